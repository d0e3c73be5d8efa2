/**
 * A value built from a stream's JSON Schema (@valibot/to-json-schema's conversion of its
 * valibot schema), for the curl line of `sluice dev` and the posts of `sluice verify`: the
 * required properties only, each the smallest value its type, format and bounds allow. It is a
 * guess that the caller checks with valibot itself, since a pattern or a custom check cannot be
 * satisfied from the JSON Schema alone.
 */
import type { JsonSchema } from '@valibot/to-json-schema';

/** Deeper than any record a reader would paste into a terminal. */
const MAX_DEPTH = 8;

const FORMAT_SAMPLES: Readonly<Record<string, (now: Date) => string>> = {
  'date-time': (now) => now.toISOString(),
  date: (now) => now.toISOString().slice(0, 10),
  time: (now) => now.toISOString().slice(11, 19),
  email: () => 'ada@example.com',
  uuid: () => '123e4567-e89b-42d3-a456-426614174000',
  uri: () => 'https://example.com/',
  'uri-reference': () => 'https://example.com/',
  ipv4: () => '192.0.2.1',
  ipv6: () => '2001:db8::1',
};

type Schema = JsonSchema & Record<string, unknown>;

function stringSample(schema: Schema, name: string, now: Date): string {
  const format = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  if (format) return format(now);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  return `${name}-1`.padEnd(min, 'x').slice(0, max);
}

function numberSample(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let value = 1;
  if (typeof schema.minimum === 'number') value = Math.max(value, schema.minimum);
  if (typeof schema.exclusiveMinimum === 'number') value = Math.max(value, schema.exclusiveMinimum + step);
  if (typeof schema.maximum === 'number') value = Math.min(value, schema.maximum);
  if (typeof schema.exclusiveMaximum === 'number') value = Math.min(value, schema.exclusiveMaximum - step);
  return integer ? Math.ceil(value) : value;
}

function arraySample(schema: Schema, name: string, now: Date, depth: number): unknown[] | undefined {
  if (Array.isArray(schema.items)) {
    const items = (schema.items as Schema[]).map((item) => sampleFromJsonSchema(item, now, name, depth + 1));
    return items.includes(undefined) ? undefined : items;
  }
  const count = typeof schema.minItems === 'number' ? schema.minItems : 1;
  if (!schema.items || typeof schema.items !== 'object') return count === 0 ? [] : undefined;
  const item = sampleFromJsonSchema(schema.items as Schema, now, name, depth + 1);
  return item === undefined ? undefined : Array.from({ length: count }, () => item);
}

function objectSample(schema: Schema, now: Date, depth: number): Record<string, unknown> | undefined {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const sample: Record<string, unknown> = {};
  for (const key of required) {
    const property = properties[key];
    const value = property ? sampleFromJsonSchema(property, now, key, depth + 1) : undefined;
    if (value === undefined) return undefined;
    sample[key] = value;
  }
  return sample;
}

/** A value that the JSON Schema probably takes; undefined where the schema says too little to guess. */
export function sampleFromJsonSchema(schema: JsonSchema, now: Date, name = 'value', depth = 0): unknown {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as Schema;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const options = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(options)) {
    // The first option that is not null shows the record's shape best.
    const ordered = [...options.filter((option) => option.type !== 'null'), ...options];
    for (const option of ordered) {
      const value = sampleFromJsonSchema(option, now, name, depth + 1);
      if (value !== undefined) return value;
    }
    return undefined;
  }
  const type = Array.isArray(s.type) ? s.type.find((each) => each !== 'null') : s.type;
  switch (type) {
    case 'object':
      return objectSample(s, now, depth);
    case 'array':
      return arraySample(s, name, now, depth);
    case 'string':
      return stringSample(s, name, now);
    case 'integer':
      return numberSample(s, true);
    case 'number':
      return numberSample(s, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return undefined;
  }
}
