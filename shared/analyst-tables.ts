/**
 * The analysts' tables: names, columns and example queries, the same for Athena (Glue tables)
 * and for `sluice query` (DuckDB views). Columns come from a stream's valibot schema through
 * its JSON Schema, mapped to Hive types.
 *
 * Stand-in written by the query side (issue 12) against the agreed API; the Glue side's
 * version of this file replaces it at merge.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { StreamConfig } from './tenant-config.ts';

/** A Hive type as Glue and Athena spell it: `string`, `bigint`, `decimal(38,0)`, `struct<a:string>`, `array<string>`. */
export type HiveType = string;

/** One column of a table. */
export interface Column {
  readonly name: string;
  readonly type: HiveType;
}

/** The table of the dead-letter records of every stream (over `dlq/`). */
export const DEAD_LETTERS_TABLE = 'dead_letters';

/** Partition columns, as strings, as the key layout writes them (`year=2024/month=05/…`). */
export const PARTITION_COLUMNS = ['year', 'month', 'day', 'hour'] as const;

/** The table name of a stream: lower case, `-` becomes `_` (Athena names take no `-`). */
export function tableName(streamId: string): string {
  return streamId.toLowerCase().replaceAll('-', '_');
}

/** The view that keeps the latest version of each pulled record of a stream. */
export function latestViewName(streamId: string): string {
  return `${tableName(streamId)}_latest`;
}

/** The Glue database of a tenant. */
export function glueDatabaseName(tenant: string): string {
  return `sluice_${tenant.replaceAll('-', '_')}`;
}

/** The one column of a schemaless stream: the landed line as it is. */
export const RECORD_COLUMN: Column = { name: 'record', type: 'string' };

/** The `_sluice` member of pulled records. */
export const SLUICE_COLUMN: Column = {
  name: '_sluice',
  type: 'struct<source:string,run:string,page:bigint,fetched_at:string,record_id:string>',
};

/** Columns of the dead-letter table (the line format of docs/contract.md). */
export const DEAD_LETTER_COLUMNS: readonly Column[] = [
  { name: 'tenant', type: 'string' },
  { name: 'stream', type: 'string' },
  { name: 'request_id', type: 'string' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'index', type: 'bigint' },
  { name: 'problem', type: 'string' },
  { name: 'reasons', type: 'array<struct<path:string,message:string>>' },
  { name: 'reasons_truncated', type: 'boolean' },
  { name: 'record', type: 'string' },
  { name: 'record_truncated', type: 'boolean' },
];

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
}

// Past 2^53 a double (and so JSON.parse, jq or a bigint read through a double) is no longer exact.
const SAFE = Number.MAX_SAFE_INTEGER;

function integerType(schema: JsonSchema): HiveType {
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  const bounded = low !== undefined && high !== undefined && low >= -SAFE && high <= SAFE;
  return bounded ? 'bigint' : 'decimal(38,0)';
}

function hiveType(schema: JsonSchema): HiveType {
  // A nullable member (anyOf with null) is its other member: Hive columns are all nullable.
  const members = schema.anyOf?.filter((member) => member.type !== 'null');
  if (members?.length === 1 && members[0]) return hiveType(members[0]);
  switch (schema.type) {
    case 'integer':
      return integerType(schema);
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'string':
      return schema.format === 'date-time' ? 'timestamp' : 'string';
    case 'array':
      return `array<${schema.items ? hiveType(schema.items) : 'string'}>`;
    case 'object': {
      const fields = Object.entries(schema.properties ?? {}).map(([name, field]) => `${name}:${hiveType(field)}`);
      return fields.length > 0 ? `struct<${fields.join(',')}>` : 'string';
    }
    default:
      return 'string';
  }
}

/**
 * The columns of a stream's table: from its schema where it has one, else the `record`
 * string column; plus `_sluice` when a pull source lands in it.
 */
export function tableColumns(stream: Pick<StreamConfig, 'schema'>, options: { pulled: boolean }): Column[] {
  const properties = stream.schema
    ? ((toJsonSchema(stream.schema, { errorMode: 'ignore' }) as JsonSchema).properties ?? {})
    : undefined;
  const columns = properties
    ? Object.entries(properties).map(([name, field]) => ({ name, type: hiveType(field) }))
    : [RECORD_COLUMN];
  return options.pulled && !columns.some((column) => column.name === SLUICE_COLUMN.name)
    ? [...columns, SLUICE_COLUMN]
    : columns;
}

/** An example query: its text runs unchanged on Athena and in `sluice query`. */
export interface ExampleQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The example queries over the example tenant's tables (docs/analysts.md, the named queries, the tests). */
export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  {
    name: 'orders_by_currency',
    description: 'Orders and their total amount per currency',
    sql: 'SELECT currency, count(*) AS orders, sum(amount) AS total FROM orders GROUP BY currency ORDER BY currency',
  },
  {
    name: 'orders_per_hour',
    description: 'Orders landed per hour partition',
    sql: 'SELECT year, month, day, hour, count(*) AS orders FROM orders GROUP BY year, month, day, hour ORDER BY year, month, day, hour',
  },
  {
    name: 'events_by_type',
    description: 'Events per type, read from the raw line of a schemaless stream',
    sql: "SELECT json_extract_scalar(record, '$.type') AS type, count(*) AS events FROM events GROUP BY json_extract_scalar(record, '$.type') ORDER BY events DESC, type",
  },
  {
    name: 'dead_letters_by_problem',
    description: 'Rejected records per stream and problem',
    sql: 'SELECT stream, problem, count(*) AS rejected FROM dead_letters GROUP BY stream, problem ORDER BY stream, problem',
  },
];
