/**
 * The analyst tables, written once: their names, columns, partition columns and example SQL.
 * The stack turns them into Glue tables for Athena and `sluice query` into DuckDB views, so
 * the same SQL text runs in both places (docs/analysts.md).
 *
 * Columns come from the stream's valibot schema through its JSON Schema. Integers the schema
 * does not bound within ±(2^53 − 1) become `decimal(38,0)`: ids past 2^53 are common, and a
 * double (what most JSON readers make of a number) would round them silently. ISO date-times
 * the schema checks are strings (see `hiveType`); only timestamps Sluice writes itself are typed.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import type { StreamConfig } from '../config/tenant-config.ts';

/** A Hive column type as Glue and Athena spell it: `string`, `bigint`, `struct<a:string>`, … */
export type HiveType = string;

/** One table column. */
export interface Column {
  readonly name: string;
  readonly type: HiveType;
  /**
   * The JSON key the column reads, where it is not `name` (a schema property with capitals):
   * the Hive JSON SerDe matches keys case-insensitively, and `sluice query` reads this key.
   */
  readonly key?: string;
}

/** The table of rejected records (every stream's `dlq/` lines). */
export const DEAD_LETTERS_TABLE = 'dead_letters';

/** The hour folders of the key layout, outermost first (`year=2026/month=03/day=04/hour=05`). */
export const HOUR_FOLDERS = ['year', 'month', 'day', 'hour'] as const;

/**
 * The one partition column of every stream table: the landing hour's folders as the key layout
 * writes them (`year=2026/month=03/day=04/hour=05`), a string whose order is time order. One
 * column rather than four so that Athena can project it as a date up to now: four integer
 * columns project every year × 12 × 31 × 24 combination, hours that do not exist yet included.
 */
export const LANDED_HOUR_COLUMN = 'landed_hour';

/** Partition columns of every stream table: {@link LANDED_HOUR_COLUMN}. */
export const PARTITION_COLUMNS = [LANDED_HOUR_COLUMN] as const;

/** The {@link LANDED_HOUR_COLUMN} pattern of SQL `date_format` (Athena's; `sluice query` defines it in DuckDB). */
export const LANDED_HOUR_SQL_FORMAT = 'year=%Y/month=%m/day=%d/hour=%H';

/** Days back the example queries read: a filter on the partition column, so Athena reads only those hours. */
export const EXAMPLE_WINDOW_DAYS = 7;

/** Days back a `_latest` view reads: a record not fetched again within them drops out of the view. */
export const LATEST_VIEW_WINDOW_DAYS = 31;

/**
 * The SQL condition that keeps the hours of the last `days` days, in text Athena and DuckDB
 * both run. It compares the partition column with a value computed once per query, so Athena
 * projects only those hours (docs/analysts.md).
 */
export function landedWithinDays(days: number): string {
  return `${LANDED_HOUR_COLUMN} >= date_format(current_timestamp - interval '${days}' day, '${LANDED_HOUR_SQL_FORMAT}')`;
}

/**
 * Partition columns of {@link DEAD_LETTERS_TABLE}: the stream folder under `dlq/`, then the hour.
 * Not `stream`: each line already has a `stream` column, and a partition column may not repeat a column.
 */
export const DEAD_LETTER_PARTITION_COLUMNS = ['dlq_stream', ...PARTITION_COLUMNS] as const;

/** The column holding the raw line of a schemaless stream (or an XML stream's JSON form). */
export const RAW_RECORD_COLUMN: Column = { name: 'record', type: 'string' };

/** The `_sluice` member a pull source adds to each record it lands. */
export const SLUICE_COLUMN: Column = {
  name: '_sluice',
  type: 'struct<source:string,run:string,page:bigint,fetched_at:string,record_id:string>',
};

/** Columns of {@link DEAD_LETTERS_TABLE}, as functions/ingest/dead-letter-record.ts writes each line. */
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

/** The Glue database of a tenant: `sluice_<tenant>` (Glue and Athena names take `_`, not `-`). */
export function glueDatabaseName(tenant: string): string {
  return `sluice_${tenant.replaceAll('-', '_')}`;
}

/** The table of a stream: its id in lower case with `-` as `_` (Athena folds names to lower case). */
export function tableName(streamId: string): string {
  return streamId.toLowerCase().replaceAll('-', '_');
}

/** The view that keeps the latest version of each pulled record of a stream: `<table>_latest`. */
export function latestViewName(streamId: string): string {
  return `${tableName(streamId)}_latest`;
}

/** The stream fields that decide a table's shape. */
export type TableStream = Pick<StreamConfig, 'payload' | 'schema'>;

/** Options of {@link tableColumns}. */
export interface TableColumnsOptions {
  /** A pull source lands in the stream, so its records carry `_sluice`. */
  readonly pulled?: boolean;
}

type JsonSchema = {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
};

const SAFE = Number.MAX_SAFE_INTEGER;

function integerType(schema: JsonSchema): HiveType {
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  return low !== undefined && high !== undefined && low >= -SAFE && high <= SAFE ? 'bigint' : 'decimal(38,0)';
}

function valueType(value: unknown): HiveType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'bigint' : 'double';
  return 'string';
}

/** Hive field names in a struct: plain ones as they are, any other quoted with backticks. */
function fieldName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

/** The Hive type of one JSON Schema node; what Hive cannot type exactly is read as its text (`string`). */
function hiveType(schema: JsonSchema): HiveType {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const types = [...new Set(variants.filter((variant) => variant.type !== 'null').map(hiveType))];
    return types.length === 1 && types[0] !== undefined ? types[0] : 'string';
  }
  if (schema.const !== undefined) return valueType(schema.const);
  if (schema.enum) {
    const types = [...new Set(schema.enum.map(valueType))];
    return types.length === 1 && types[0] !== undefined ? types[0] : 'string';
  }
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  if (type.length !== 1) return 'string';
  switch (type[0]) {
    // An ISO date-time stays text too: isoTimestamp accepts a space for `T`, 1 to 9 fraction
    // digits and offsets like `+01`, which no set of the Hive JSON SerDe's timestamp formats
    // covers, and one value it cannot parse fails every Athena query over its file. Analysts
    // convert with from_iso8601_timestamp (docs/analysts.md).
    case 'string':
      return 'string';
    case 'integer':
      return integerType(schema);
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array<${schema.items ? hiveType(schema.items) : 'string'}>`;
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length > 0) {
        return `struct<${properties.map(([name, field]) => `${fieldName(name.toLowerCase())}:${hiveType(field)}`).join(',')}>`;
      }
      const values = schema.additionalProperties;
      return typeof values === 'object' ? `map<string,${hiveType(values)}>` : 'string';
    }
    default:
      return 'string';
  }
}

/** The JSON Schema of a valibot schema; actions JSON Schema cannot express are left out, as they do not change the type. */
function jsonSchemaOf(schema: v.GenericSchema): JsonSchema {
  return toJsonSchema(schema, { errorMode: 'ignore' }) as JsonSchema;
}

/**
 * Whether a stream's table reads each line whole into the one `record` column: schemaless JSON
 * streams, schemas that are not an object with properties, and XML streams' JSON form.
 */
export function readsRawLines(stream: TableStream): boolean {
  if (stream.payload !== 'json' || !stream.schema) return true;
  const json = jsonSchemaOf(stream.schema);
  return json.type !== 'object' || Object.keys(json.properties ?? {}).length === 0;
}

/**
 * The columns of a stream's table (partition columns aside): one per schema property in
 * schema order, plus `_sluice` when a pull source lands in the stream; `record` alone for a
 * stream that {@link readsRawLines}.
 */
export function tableColumns(stream: TableStream, options: TableColumnsOptions = {}): Column[] {
  if (readsRawLines(stream) || !stream.schema) return [RAW_RECORD_COLUMN];
  const properties = Object.entries(jsonSchemaOf(stream.schema).properties ?? {});
  // Hive names are case-insensitive and the JSON SerDe matches keys in lower case.
  const columns = properties
    .filter(([name]) => name.toLowerCase() !== SLUICE_COLUMN.name)
    .map(([name, field]) => ({
      name: name.toLowerCase(),
      type: hiveType(field),
      ...(name.toLowerCase() === name ? {} : { key: name }),
    }));
  return options.pulled ? [...columns, SLUICE_COLUMN] : columns;
}

/**
 * The SQL of a pulled stream's {@link latestViewName} view: the newest fetch of each
 * `_sluice.record_id`, since a pull run is at least once and a record may land again. The
 * columns are listed so that the ranking column stays out of the view (Athena has no
 * `SELECT * EXCLUDE`); `"_sluice"` is quoted because Athena wants names that begin with `_` quoted.
 */
export function latestViewSql(streamId: string, columns: readonly Column[]): string {
  const table = tableName(streamId);
  const raw = columns.length === 1 && columns[0]?.name === RAW_RECORD_COLUMN.name;
  const member = (name: string) => (raw ? `json_extract_scalar(record, '$._sluice.${name}')` : `"_sluice".${name}`);
  const names = [
    ...columns.map((column) => (column.name.startsWith('_') ? `"${column.name}"` : column.name)),
    ...PARTITION_COLUMNS,
  ];
  return [
    `SELECT ${names.join(', ')}`,
    'FROM (',
    `  SELECT *, row_number() OVER (PARTITION BY ${member('record_id')} ORDER BY ${member('fetched_at')} DESC) AS sluice_version`,
    `  FROM ${table}`,
    // Inside the ranking: a filter on the view would not reach the table past row_number().
    `  WHERE ${landedWithinDays(LATEST_VIEW_WINDOW_DAYS)}`,
    ')',
    'WHERE sluice_version = 1',
  ].join('\n');
}

const WINDOW = `WHERE ${landedWithinDays(EXAMPLE_WINDOW_DAYS)}`;

/** A query that works on any stream table: records per hour of the window, newest first. */
function recordsPerHour(table: string): string {
  return [
    `SELECT ${LANDED_HOUR_COLUMN}, count(*) AS records`,
    `FROM ${table}`,
    WINDOW,
    `GROUP BY ${LANDED_HOUR_COLUMN}`,
    `ORDER BY ${LANDED_HOUR_COLUMN} DESC`,
  ].join('\n');
}

/**
 * Example SQL per table of the example tenant (tenants/example.ts): docs/analysts.md shows it,
 * the stack saves it as Athena named queries and the tests run it with DuckDB, all this text.
 * Each reads the last {@link EXAMPLE_WINDOW_DAYS} days only.
 */
export const EXAMPLE_QUERIES: Readonly<Record<string, string>> = {
  orders: [
    'SELECT currency, count(*) AS orders, sum(amount) AS total',
    'FROM orders',
    WINDOW,
    'GROUP BY currency',
    'ORDER BY currency',
  ].join('\n'),
  events: [
    "SELECT json_extract_scalar(record, '$.type') AS type, count(*) AS events",
    'FROM events',
    WINDOW,
    "GROUP BY json_extract_scalar(record, '$.type')",
    'ORDER BY type',
  ].join('\n'),
  [DEAD_LETTERS_TABLE]: [
    'SELECT stream, problem, count(*) AS records',
    `FROM ${DEAD_LETTERS_TABLE}`,
    WINDOW,
    'GROUP BY stream, problem',
    'ORDER BY stream, problem',
  ].join('\n'),
};

/** The example SQL of a table: its {@link EXAMPLE_QUERIES} entry, else records per hour. */
export function exampleQuery(table: string): string {
  return EXAMPLE_QUERIES[table] ?? recordsPerHour(table);
}
