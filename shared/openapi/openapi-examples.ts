/**
 * Example values derived from a published JSON Schema, for the request bodies of the OpenAPI
 * document. Deterministic, so the document is the same on every call. The caller checks each
 * example against the stream's valibot schema and drops one that fails: a derived example is a
 * best effort, a wrong one would mislead.
 */
import type { JsonSchemaObject } from './openapi-record-schema.ts';

/** The timestamp every derived date-time example carries. */
export const EXAMPLE_TIMESTAMP = '2025-01-01T10:00:00.000Z';

const FORMAT_EXAMPLES: Readonly<Record<string, string>> = {
  'date-time': EXAMPLE_TIMESTAMP,
  date: '2025-01-01',
  time: '10:00:00',
  email: 'ada@example.com',
  uri: 'https://example.com/',
  uuid: '3f2a1c9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

// A deliberately small regular-expression sampler: literals, escapes, classes, groups with
// alternatives (the first is taken) and quantifiers (their least count, at least one for `+`).
// Anything else (look-arounds, back references) gives up, and the field gets no example.
const CLASS_SAMPLES: Readonly<Record<string, string>> = { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' };

class Unsupported extends Error {}

interface Cursor {
  readonly source: string;
  index: number;
}

function sampleClass(cursor: Cursor): string {
  const { source } = cursor;
  cursor.index += 1; // [
  if (source[cursor.index] === '^') throw new Unsupported();
  let first: string | undefined;
  while (cursor.index < source.length && source[cursor.index] !== ']') {
    let character = source[cursor.index] ?? '';
    if (character === '\\') {
      const escaped = source[cursor.index + 1] ?? '';
      character = CLASS_SAMPLES[escaped] ?? escaped;
      cursor.index += 2;
    } else {
      cursor.index += 1;
    }
    // A range `a-z` samples its first character, which the loop has already taken.
    if (source[cursor.index] === '-' && source[cursor.index + 1] !== ']') cursor.index += 2;
    first ??= character;
  }
  cursor.index += 1; // ]
  if (first === undefined) throw new Unsupported();
  return first;
}

function quantifier(cursor: Cursor): number {
  const { source } = cursor;
  const next = source[cursor.index];
  if (next === '?' || next === '*') {
    cursor.index += 1;
    return 0;
  }
  if (next === '+') {
    cursor.index += 1;
    return 1;
  }
  if (next === '{') {
    const match = /^\{(\d+)(,\d*)?\}/.exec(source.slice(cursor.index));
    if (!match) return 1;
    cursor.index += match[0].length;
    return Number(match[1]);
  }
  return 1;
}

function sampleSequence(cursor: Cursor): string {
  const { source } = cursor;
  let out = '';
  while (cursor.index < source.length) {
    const character = source[cursor.index] ?? '';
    if (character === ')' || character === '|') break;
    let atom: string;
    if (character === '^' || character === '$') {
      cursor.index += 1;
      continue;
    }
    if (character === '(') {
      cursor.index += 1;
      if (source.startsWith('?:', cursor.index)) cursor.index += 2;
      else if (source[cursor.index] === '?') throw new Unsupported();
      atom = sampleSequence(cursor);
      // Later alternatives are skipped: the first one is the sample.
      let depth = 0;
      while (cursor.index < source.length && !(depth === 0 && source[cursor.index] === ')')) {
        if (source[cursor.index] === '\\') cursor.index += 1;
        else if (source[cursor.index] === '(') depth += 1;
        else if (source[cursor.index] === ')') depth -= 1;
        cursor.index += 1;
      }
      cursor.index += 1; // )
    } else if (character === '[') {
      atom = sampleClass(cursor);
    } else if (character === '\\') {
      const escaped = source[cursor.index + 1] ?? '';
      if (/[1-9bBkpPu]/.test(escaped)) throw new Unsupported();
      atom = CLASS_SAMPLES[escaped] ?? escaped;
      cursor.index += 2;
    } else if (character === '.') {
      atom = 'a';
      cursor.index += 1;
    } else {
      atom = character;
      cursor.index += 1;
    }
    out += atom.repeat(quantifier(cursor));
  }
  return out;
}

/** A string that `pattern` matches, or undefined when the sampler cannot tell. */
function sampleMatching(pattern: string): string | undefined {
  try {
    const sample = sampleSequence({ source: pattern, index: 0 });
    return new RegExp(pattern, 'u').test(sample) ? sample : undefined;
  } catch {
    return undefined;
  }
}

function exampleString(schema: JsonSchemaObject, name: string): string | undefined {
  const patterns = [schema.pattern, ...(schema.allOf ?? []).map((entry) => (entry as JsonSchemaObject).pattern)];
  const fromFormat = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  const [pattern, ...more] = patterns.filter((p): p is string => typeof p === 'string');
  let text = fromFormat ?? (pattern === undefined ? `${name || 'text'}-1` : sampleMatching(pattern));
  if (text === undefined) return undefined;
  if (pattern !== undefined && !new RegExp(pattern, 'u').test(text)) return undefined;
  if (more.some((p) => !new RegExp(p, 'u').test(text ?? ''))) return undefined;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (pattern === undefined && fromFormat === undefined) text = text.padEnd(min, 'x').slice(0, max);
  return text.length >= min && text.length <= max ? text : undefined;
}

function exampleNumber(schema: JsonSchemaObject, integer: boolean): number {
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : integer ? 1 : 0.5;
  let value = integer ? 1 : 12.5;
  if (typeof schema.minimum === 'number' && value < schema.minimum) value = schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
    value = schema.exclusiveMinimum + step;
  }
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = schema.maximum;
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
    value = schema.exclusiveMaximum - step;
  }
  return typeof schema.multipleOf === 'number' ? Math.ceil(value / step) * step : value;
}

/**
 * An example value for `schema`, or undefined where none could be derived. `components`
 * resolves `#/components/schemas/…` references (one level of recursion is followed).
 */
export function exampleOf(
  schema: JsonSchemaObject,
  components: Readonly<Record<string, JsonSchemaObject>> = {},
  name = '',
  depth = 0,
): unknown {
  if (depth > 8) return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === 'string') {
    const target = components[schema.$ref.replace('#/components/schemas/', '')];
    return target ? exampleOf(target, components, name, depth + 1) : undefined;
  }
  const options = (schema.anyOf ?? schema.oneOf) as JsonSchemaObject[] | undefined;
  if (options) {
    for (const option of options) {
      const example = exampleOf(option, components, name, depth + 1);
      if (example !== undefined) return example;
    }
    return undefined;
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return exampleString(schema, name);
    case 'number':
    case 'integer':
      return exampleNumber(schema, type === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const item = schema.items && typeof schema.items === 'object' ? (schema.items as JsonSchemaObject) : {};
      const example = exampleOf(item, components, name, depth + 1);
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
      if (typeof schema.maxItems === 'number' && schema.maxItems < count) return [];
      return example === undefined ? undefined : Array.from({ length: count }, () => example);
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchemaObject>)) {
        const example = exampleOf(property, components, key, depth + 1);
        if (example !== undefined) out[key] = example;
        else if ((schema.required ?? []).includes(key)) return undefined;
      }
      return out;
    }
    default:
      return undefined;
  }
}
