/**
 * fast-check arbitraries for the JSON Schema subset that the OpenAPI document publishes for
 * valibot schemas: object (properties, required, additionalProperties, propertyNames), string
 * (lengths, pattern, format date-time), number and integer (bounds, exclusive bounds,
 * multipleOf), boolean, null, enum, const, array (items, minItems, maxItems), anyOf and oneOf,
 * `allOf` of patterns, and `$ref` into components. A keyword outside the subset throws, so a
 * schema the generator does not understand fails the test instead of being half-checked.
 *
 * It generates what the schema says is valid, read the way the document says: string lengths
 * in UTF-16 code units (the schema's descriptions say so).
 */
import fc from 'fast-check';
import type { JsonSchemaObject } from '#shared/openapi/openapi-record-schema';

const ANNOTATIONS = new Set(['description', 'title', 'examples', 'default', 'format', '$comment']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  '$ref',
]);

/** Thrown for a keyword the generator does not know. */
export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
}

type Components = Readonly<Record<string, JsonSchemaObject>>;

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function stringArbitrary(schema: JsonSchemaObject): fc.Arbitrary<string> {
  const minLength = num(schema.minLength) ?? 0;
  const maxLength = num(schema.maxLength);
  const patterns = [schema.pattern, ...(schema.allOf ?? []).map((entry) => (entry as JsonSchemaObject).pattern)]
    .filter((pattern): pattern is string => typeof pattern === 'string')
    .map((pattern) => new RegExp(pattern, 'u'));
  const [first, ...rest] = patterns;
  let base: fc.Arbitrary<string>;
  if (first) {
    base = fc.stringMatching(first, maxLength === undefined ? {} : { maxLength });
  } else if (schema.format === 'date-time') {
    base = fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
      .map((date) => date.toISOString());
  } else {
    base = fc.string({ unit: 'binary', minLength, ...(maxLength === undefined ? {} : { maxLength }) });
  }
  // UTF-16 code units, as the document's descriptions say and as valibot counts.
  return base.filter(
    (text) =>
      text.length >= minLength &&
      (maxLength === undefined || text.length <= maxLength) &&
      rest.every((pattern) => pattern.test(text)),
  );
}

function numberArbitrary(schema: JsonSchemaObject, integer: boolean): fc.Arbitrary<number> {
  const minimum = num(schema.minimum);
  const maximum = num(schema.maximum);
  const exclusiveMinimum = num(schema.exclusiveMinimum);
  const exclusiveMaximum = num(schema.exclusiveMaximum);
  const multipleOf = num(schema.multipleOf);
  let arbitrary: fc.Arbitrary<number>;
  if (integer) {
    const low = Math.max(
      -(2 ** 31),
      minimum === undefined ? Number.NEGATIVE_INFINITY : Math.ceil(minimum),
      exclusiveMinimum === undefined ? Number.NEGATIVE_INFINITY : Math.floor(exclusiveMinimum) + 1,
    );
    const high = Math.min(
      2 ** 31 - 1,
      maximum === undefined ? Number.POSITIVE_INFINITY : Math.floor(maximum),
      exclusiveMaximum === undefined ? Number.POSITIVE_INFINITY : Math.ceil(exclusiveMaximum) - 1,
    );
    arbitrary = fc.integer({ min: low, max: high });
  } else {
    const low = exclusiveMinimum ?? minimum;
    const high = exclusiveMaximum ?? maximum;
    arbitrary = fc.double({
      noNaN: true,
      noDefaultInfinity: true,
      ...(low === undefined ? {} : { min: low, minExcluded: exclusiveMinimum !== undefined }),
      ...(high === undefined ? {} : { max: high, maxExcluded: exclusiveMaximum !== undefined }),
    });
  }
  return multipleOf === undefined ? arbitrary : arbitrary.filter((n) => Number.isInteger(n / multipleOf));
}

function objectArbitrary(schema: JsonSchemaObject, components: Components, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchemaObject>;
  const declared = Object.keys(properties);
  const required = (schema.required ?? []) as string[];
  const known = fc.record(
    Object.fromEntries(declared.map((key) => [key, arbitraryOf(properties[key] ?? {}, components, depth + 1)])),
    { requiredKeys: required.filter((key) => declared.includes(key)) },
  );
  const additional = schema.additionalProperties;
  if (additional === false) return known;
  const keys = (
    typeof schema.propertyNames === 'object'
      ? stringArbitrary(schema.propertyNames as JsonSchemaObject)
      : fc.string({ maxLength: 12 })
  ).filter((key) => !declared.includes(key) && key !== '__proto__');
  // An open object takes keys it does not declare: post some, with any JSON value.
  const values =
    typeof additional === 'object'
      ? arbitraryOf(additional as JsonSchemaObject, components, depth + 1)
      : fc.jsonValue();
  const extra = fc.dictionary(keys, values, { maxKeys: 4 });
  return fc.tuple(known, extra).map(([record, rest]) => ({ ...rest, ...record }));
}

/** An arbitrary of the values `schema` says are valid. */
export function arbitraryOf(schema: JsonSchemaObject, components: Components = {}, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 16) throw new UnsupportedSchemaError('recursive schemas are outside the subset');
  const unknown = Object.keys(schema).filter((keyword) => !KNOWN.has(keyword));
  if (unknown.length > 0) throw new UnsupportedSchemaError(`unsupported keywords: ${unknown.join(', ')}`);
  if (typeof schema.$ref === 'string') {
    const target = components[schema.$ref.replace('#/components/schemas/', '')];
    if (!target) throw new UnsupportedSchemaError(`unresolved $ref ${schema.$ref}`);
    return arbitraryOf(target, components, depth + 1);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const options = (schema.anyOf ?? schema.oneOf) as JsonSchemaObject[] | undefined;
  if (options) return fc.oneof(...options.map((option) => arbitraryOf(option, components, depth + 1)));
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => arbitraryOf({ ...schema, type }, components, depth)));
  }
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema);
    case 'number':
    case 'integer':
      return numberArbitrary(schema, schema.type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = typeof schema.items === 'object' ? (schema.items as JsonSchemaObject) : {};
      const minLength = num(schema.minItems) ?? 0;
      const maxLength = Math.min(num(schema.maxItems) ?? minLength + 4, minLength + 4);
      return fc.array(arbitraryOf(item, components, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(schema, components, depth);
    case undefined:
      if (schema.allOf) throw new UnsupportedSchemaError('allOf without a type');
      return fc.jsonValue();
    default:
      throw new UnsupportedSchemaError(`unsupported type ${String(schema.type)}`);
  }
}
