/**
 * The README's tenant config example: tenants/example.ts itself, so that what a reader copies
 * is the config `npm start` and the tests run, never a hand-made copy that drifts from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENANTS_DIRECTORY } from '../config/tenant-loader.ts';

/** tenants/example.ts as a fenced TypeScript block headed by its path. */
export function exampleTenantSnippet(): string {
  const source = readFileSync(join(TENANTS_DIRECTORY, 'example.ts'), 'utf8').trimEnd();
  return ['```ts', '// tenants/example.ts', source, '```'].join('\n');
}
