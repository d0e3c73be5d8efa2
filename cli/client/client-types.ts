/** The module `sluice client types` writes: each stream's record type and how it takes records. */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES } from '#shared/contract/contract';
import { propertyName, type TypedJsonSchema, typeOfSchema } from './record-types.ts';

/** The streams a client posts to with a token: webhook streams take signatures, not tokens. */
function tokenStreams(tenant: TenantConfig): [string, TenantConfig['streams'][string]][] {
  return Object.entries(tenant.streams).filter(([, stream]) => !stream.auth);
}

/** The TypeScript source of a tenant's stream types and settings. */
export function clientTypesSource(tenant: TenantConfig): string {
  const streams = tokenStreams(tenant);
  const types = streams.map(([name, stream]) => {
    let type = '{ [key: string]: unknown }';
    if (stream.payload === 'xml') type = 'string';
    else if (stream.schema) {
      // Input mode: what a sender writes, before any transformation of the schema.
      const schema = toJsonSchema(stream.schema, { errorMode: 'ignore', typeMode: 'input' }) as TypedJsonSchema;
      type = typeOfSchema(schema, 1);
    }
    const how =
      stream.payload === 'xml' ? 'one XML document per record' : stream.batch ? 'batched' : 'one post per record';
    return `  /** ${name}: ${stream.payload.toUpperCase()}, ${how}. */\n  ${propertyName(name)}: ${type};`;
  });
  const settings = streams.map(
    ([name, stream]) =>
      `  ${propertyName(name)}: { payload: '${stream.payload}', batch: ${stream.batch === true}, maxBytes: ${stream.maxBytes ?? DEFAULT_MAX_BYTES} },`,
  );
  return [
    `// Written by \`sluice client types --tenant ${tenant.tenant}\` from the tenant's config; do not edit, run it again.`,
    '',
    `/** The record type of each stream of tenant ${tenant.tenant} (\`new SluiceClient<Streams>(…)\`). */`,
    'export type Streams = {',
    ...types,
    '};',
    '',
    "/** How each stream takes records: the client's `streams` option. */",
    'export const streams = {',
    ...settings,
    '} as const;',
    '',
  ].join('\n');
}
