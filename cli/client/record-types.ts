/**
 * TypeScript types from JSON Schema, for `sluice client types`. Written here rather than taken
 * from json-schema-to-typescript: the schemas come from valibot through @valibot/to-json-schema,
 * so only the keywords it emits need a type, and the output stays one readable line per property.
 */

/** The JSON Schema keywords @valibot/to-json-schema emits that change a type. */
export interface TypedJsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, TypedJsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | TypedJsonSchema;
  readonly items?: TypedJsonSchema | false;
  readonly prefixItems?: readonly TypedJsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly TypedJsonSchema[];
  readonly oneOf?: readonly TypedJsonSchema[];
  readonly allOf?: readonly TypedJsonSchema[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as TypeScript writes it: quoted only when it must be. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The TypeScript type of a JSON Schema, indented by `indent` levels for nested objects. */
export function typeOfSchema(schema: TypedJsonSchema | boolean | undefined, indent = 0): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ') || 'never';
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((member) => wrap(typeOfSchema(member, indent))).join(' | ') || 'never';
  if (schema.allOf) return schema.allOf.map((member) => wrap(typeOfSchema(member, indent))).join(' & ') || 'unknown';
  if (Array.isArray(schema.type)) {
    return schema.type.map((type) => wrap(typeOfSchema({ ...schema, type }, indent))).join(' | ');
  }
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (schema.prefixItems) return `[${schema.prefixItems.map((item) => typeOfSchema(item, indent)).join(', ')}]`;
      return `${wrap(typeOfSchema(schema.items === false ? undefined : schema.items, indent))}[]`;
    case 'object':
      return objectType(schema, indent);
    default:
      return 'unknown';
  }
}

function objectType(schema: TypedJsonSchema, indent: number): string {
  const entries = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (entries.length === 0) {
    return extra === false
      ? 'Record<string, never>'
      : `{ [key: string]: ${typeOfSchema(extra === undefined ? true : extra, indent)} }`;
  }
  const pad = '  '.repeat(indent + 1);
  const required = new Set(schema.required ?? []);
  const lines = entries.map(
    ([name, property]) =>
      `${pad}${propertyName(name)}${required.has(name) ? '' : '?'}: ${typeOfSchema(property, indent + 1)};`,
  );
  if (extra !== undefined && extra !== false) lines.push(`${pad}[key: string]: ${typeOfSchema(extra, indent + 1)};`);
  return `{\n${lines.join('\n')}\n${'  '.repeat(indent)}}`;
}

function wrap(type: string): string {
  return /[|&]/.test(type) && !type.startsWith('{') ? `(${type})` : type;
}
