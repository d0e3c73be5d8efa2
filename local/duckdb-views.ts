/**
 * The analysts' tables as DuckDB views over a folder of landed batches in the bucket's key
 * layout, decoded to NDJSON (`<folder>/streams/<stream>/year=…/…/<name>.ndjson`, and `dlq/`).
 * A view is named like the Athena table and has its columns, typed as the Glue table types
 * them, then the partition columns as strings; a stream with no files still has its view,
 * empty, so that a query over it answers no rows rather than an error.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Column,
  DEAD_LETTER_COLUMNS,
  DEAD_LETTERS_TABLE,
  latestViewName,
  PARTITION_COLUMNS,
  tableColumns,
  tableName,
} from '#shared/analyst-tables';
import { BUCKET_PREFIXES } from '#shared/storage-layout';
import type { StreamConfig, TenantConfig } from '#shared/tenant-config';
import { ATHENA_MACROS } from './duckdb-macros.ts';

/** The extension of the decoded files the views read. */
export const DECODED_EXTENSION = '.ndjson';

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// Splits a Hive type list at its top-level commas (`a:string,b:struct<c:bigint,d:string>`).
function topLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < list.length; index += 1) {
    const char = list[index];
    if (char === '<' || char === '(') depth += 1;
    else if (char === '>' || char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(list.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

/** The DuckDB type of a Hive type (`struct<a:string>` becomes `STRUCT("a" VARCHAR)`). */
export function duckdbType(hive: string): string {
  const type = hive.trim();
  const nested = /^(array|struct)<(.*)>$/s.exec(type);
  if (nested?.[1] === 'array') return `${duckdbType(nested[2] ?? 'string')}[]`;
  if (nested?.[1] === 'struct') {
    const fields = topLevel(nested[2] ?? '').map((field) => {
      const colon = field.indexOf(':');
      return `${sqlIdentifier(field.slice(0, colon))} ${duckdbType(field.slice(colon + 1))}`;
    });
    return `STRUCT(${fields.join(', ')})`;
  }
  const simple: Record<string, string> = {
    string: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
  };
  if (Object.hasOwn(simple, type)) return simple[type] as string;
  if (/^decimal\(\d+,\d+\)$/.test(type)) return type.toUpperCase();
  throw new Error(`no DuckDB type for the Hive type ${hive}`);
}

function hasFiles(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true }).some((name) => String(name).endsWith(DECODED_EXTENSION));
}

const HIVE_OPTIONS = `hive_partitioning = true, hive_types = {${PARTITION_COLUMNS.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ')}}`;

// How a column is read from the JSON line: timestamps go through TIMESTAMPTZ so that an ISO
// offset is applied (a plain TIMESTAMP cast drops it), and land as UTC.
function readAs(column: Column): { read: string; select: string } {
  const name = sqlIdentifier(column.name);
  if (column.type === 'timestamp') {
    return { read: 'VARCHAR', select: `CAST(CAST(${name} AS TIMESTAMPTZ) AS TIMESTAMP) AS ${name}` };
  }
  return { read: duckdbType(column.type), select: name };
}

function emptySelect(columns: readonly Column[]): string {
  const typed = columns.map((column) => `CAST(NULL AS ${duckdbType(column.type)}) AS ${sqlIdentifier(column.name)}`);
  const partitions = PARTITION_COLUMNS.map((name) => `CAST(NULL AS VARCHAR) AS ${name}`);
  return `SELECT ${[...typed, ...partitions].join(', ')} WHERE false`;
}

function jsonSelect(glob: string, columns: readonly Column[]): string {
  const reads = columns.map(readAs);
  const struct = columns.map((column, index) => `${sqlString(column.name)}: ${sqlString(reads[index]?.read ?? '')}`);
  return `SELECT ${[...reads.map((read) => read.select), ...PARTITION_COLUMNS].join(', ')}
    FROM read_json(${sqlString(glob)}, format = 'newline_delimited', columns = {${struct.join(', ')}}, ${HIVE_OPTIONS})`;
}

// The raw line as one string: a delimiter that cannot occur in a JSON line (control
// characters are escaped in JSON text) and no quoting, so the line comes through unchanged.
function recordSelect(glob: string, columns: readonly Column[]): string {
  const extra = columns
    .filter((column) => column.name !== 'record')
    .map(
      (column) =>
        `TRY_CAST(json_extract(record, ${sqlString(`$.${column.name}`)}) AS ${duckdbType(column.type)}) AS ${sqlIdentifier(column.name)}`,
    );
  return `SELECT ${['record', ...extra, ...PARTITION_COLUMNS].join(', ')}
    FROM read_csv(${sqlString(glob)}, columns = {'record': 'VARCHAR'}, delim = '\u0001', quote = '', escape = '',
      header = false, auto_detect = false, max_line_size = 8388608, ${HIVE_OPTIONS})`;
}

/** The view definition of a table over a folder of decoded files. */
export function viewSelect(table: AnalystTable): string {
  if (!hasFiles(table.folder)) return emptySelect(table.columns);
  const glob = join(table.folder, ...Array(table.depth).fill('*'), `*${DECODED_EXTENSION}`);
  return table.raw ? recordSelect(glob, table.columns) : jsonSelect(glob, table.columns);
}

/** Streams a pull source lands in: their tables get `_sluice` and a `_latest` view. */
export type PulledStreams = ReadonlySet<string>;

/** One table of the tenant: its view name, its columns and the folder it reads. */
export interface AnalystTable {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly folder: string;
  /** Folder levels between `folder` and the files: the partitions, and the stream for dlq/. */
  readonly depth: number;
  /** A schemaless stream: the table holds each line whole, in `record`. */
  readonly raw: boolean;
}

/** The tenant's tables over a folder in the bucket's key layout. */
export function analystTables(tenant: TenantConfig, folder: string, pulled: PulledStreams): AnalystTable[] {
  const streams = Object.values(tenant.streams) as StreamConfig[];
  return [
    ...streams.map((stream) => ({
      name: tableName(stream.id),
      columns: tableColumns(stream, { pulled: pulled.has(stream.id) }),
      folder: join(folder, BUCKET_PREFIXES.streams, stream.id),
      depth: PARTITION_COLUMNS.length,
      raw: !stream.schema,
    })),
    {
      name: DEAD_LETTERS_TABLE,
      columns: DEAD_LETTER_COLUMNS,
      folder: join(folder, BUCKET_PREFIXES.deadLetter),
      depth: PARTITION_COLUMNS.length + 1,
      raw: false,
    },
  ];
}

/** The statements that define the macros and every view of the tenant over the folder. */
export function viewStatements(tenant: TenantConfig, folder: string, pulled: PulledStreams): string[] {
  const views = analystTables(tenant, folder, pulled).map(
    (table) => `CREATE OR REPLACE VIEW ${sqlIdentifier(table.name)} AS ${viewSelect(table)}`,
  );
  const latest = [...pulled].map((streamId) => {
    const table = sqlIdentifier(tableName(streamId));
    // The newest fetch of each record id wins; ties (one fetch, two pages) go to the later page.
    return `CREATE OR REPLACE VIEW ${sqlIdentifier(latestViewName(streamId))} AS
      SELECT * EXCLUDE (sluice_rank) FROM (SELECT *, row_number() OVER (PARTITION BY _sluice.record_id
        ORDER BY _sluice.fetched_at DESC, _sluice.page DESC) AS sluice_rank FROM ${table}) WHERE sluice_rank = 1`;
  });
  return ["SET TimeZone = 'UTC'", ...ATHENA_MACROS, ...views, ...latest];
}
