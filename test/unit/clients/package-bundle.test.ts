import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = (file: string) => fileURLToPath(new URL(`../../../clients/typescript/src/${file}`, import.meta.url));

describe('the client package', () => {
  it('bundles for the browser without Node modules, in under 12 KiB minified', async () => {
    const result = await build({
      entryPoints: [entry('index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/node:/);
    expect(code.length).toBeGreaterThan(1000);
    expect(code.length).toBeLessThan(12 * 1024);
  });
});
