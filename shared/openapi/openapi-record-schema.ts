/**
 * A stream's valibot schema as the JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) that
 * the OpenAPI document publishes. @valibot/to-json-schema does the conversion; the overrides here
 * keep the published schema as strict as the check Sluice runs, so that a record the document
 * calls valid is one the stream accepts (test/unit/shared/openapi-agreement.test.ts):
 * - a check with a regular expression (`isoTimestamp`, `email`, `uuid`, …) publishes the
 *   expression as a `pattern` too, since JSON Schema's `format` is only an annotation and
 *   RFC 3339's date-time is looser than valibot's;
 * - a check that JSON Schema cannot say (`finite`, `check`, a regex with flags) is named in
 *   the field's `description` instead of being dropped silently, and counted in `unexpressed`;
 * - string lengths say that they count UTF-16 code units, as valibot does (JSON Schema counts
 *   code points).
 */
import { type JsonSchema, type OverrideActionContext, toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';

/** A JSON Schema object as the document holds it. */
export type JsonSchemaObject = JsonSchema & Record<string, unknown>;

/** The published schema of one stream's records. */
export interface RecordJsonSchema {
  readonly schema: JsonSchemaObject;
  /** Schemas the record schema refers to (recursive valibot schemas), by component name. */
  readonly definitions: Readonly<Record<string, JsonSchemaObject>>;
  /** Checks Sluice runs that the schema only names in a description. */
  readonly unexpressed: readonly string[];
}

const LENGTH_NOTE = 'Lengths count UTF-16 code units, as JavaScript does: a character outside the BMP counts two.';

function withNote(schema: JsonSchemaObject, note: string): JsonSchemaObject {
  const description = typeof schema.description === 'string' ? schema.description : '';
  if (description.includes(note)) return schema;
  return { ...schema, description: description ? `${description} ${note}` : note };
}

function withPattern(schema: JsonSchemaObject, pattern: string): JsonSchemaObject {
  if (schema.pattern === pattern) return schema;
  if (schema.pattern === undefined) return { ...schema, pattern };
  // A second expression on the same string: JSON Schema takes one `pattern` per schema object.
  const allOf = Array.isArray(schema.allOf) ? schema.allOf : [];
  if (allOf.some((entry) => (entry as JsonSchemaObject).pattern === pattern)) return schema;
  return { ...schema, allOf: [...allOf, { pattern }] };
}

/** What a valibot action publishes beyond (or instead of) @valibot/to-json-schema's conversion. */
function refineAction(context: OverrideActionContext, unexpressed: string[]): JsonSchemaObject | undefined {
  const action = context.valibotAction as v.PipeAction<unknown, unknown, v.BaseIssue<unknown>> & {
    readonly requirement?: unknown;
  };
  const schema = context.jsonSchema as JsonSchemaObject;
  if (action.kind !== 'validation') return context.errors ? schema : undefined;
  const requirement = action.requirement;
  if (requirement instanceof RegExp) {
    // The `u` flag is how JSON Schema reads patterns anyway; any other flag changes the meaning.
    if (requirement.flags.replace('u', '') !== '') {
      unexpressed.push(action.type);
      // The converter may have kept the source without its flags, which would be another check.
      const { pattern, ...rest } = schema;
      const kept = pattern === requirement.source ? (rest as JsonSchemaObject) : schema;
      return withNote(kept, `Must match /${requirement.source}/${requirement.flags}.`);
    }
    return withPattern(schema, requirement.source);
  }
  if (action.type === 'finite') return withNote(schema, 'Must be a finite number.');
  if ((action.type === 'max_length' || action.type === 'length') && schema.type === 'string') {
    return withNote(schema, LENGTH_NOTE);
  }
  if (!context.errors) return undefined;
  unexpressed.push(action.type);
  const message = 'message' in action && typeof action.message === 'string' ? `: ${action.message}` : '';
  return withNote(schema, `Sluice also checks ${action.type}${message}.`);
}

/**
 * The JSON Schema of a stream's records: `componentPrefix` names the components of recursive
 * parts, so that two streams' definitions never collide.
 */
export function recordJsonSchema(schema: v.GenericSchema, componentPrefix: string): RecordJsonSchema {
  const unexpressed: string[] = [];
  const componentName = (referenceId: string) => `${componentPrefix}_${referenceId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  let converted: JsonSchemaObject;
  try {
    converted = convert(schema, componentName, unexpressed);
  } catch (error) {
    // The overrides answer every conversion error they are shown; should a later version of the
    // converter throw anyway, the stream is still documented, and the document still served.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      schema: withNote({}, `Sluice checks these records with a schema JSON Schema cannot say (${reason}).`),
      definitions: {},
      unexpressed: ['schema'],
    };
  }
  const { $schema: _dialect, $defs, ...root } = converted;
  const definitions = Object.fromEntries(
    Object.entries(($defs ?? {}) as Record<string, JsonSchemaObject>).map(([id, definition]) => [
      componentName(id),
      definition,
    ]),
  );
  return { schema: root as JsonSchemaObject, definitions, unexpressed };
}

function convert(
  schema: v.GenericSchema,
  componentName: (referenceId: string) => string,
  unexpressed: string[],
): JsonSchemaObject {
  return toJsonSchema(schema, {
    target: 'draft-2020-12',
    // What a client posts is the input: a pipe is described up to its first transformation.
    typeMode: 'input',
    errorMode: 'throw',
    overrideAction: (context) => refineAction(context, unexpressed),
    overrideSchema: (context) => {
      if (!context.errors) return undefined;
      unexpressed.push(context.valibotSchema.type);
      return withNote({}, `Sluice checks this value as a ${context.valibotSchema.type}, which JSON Schema cannot say.`);
    },
    overrideRef: (context) => `#/components/schemas/${componentName(context.referenceId)}`,
  }) as JsonSchemaObject;
}
