/**
 * The analysts' tables as DuckDB views over the landed batches' NDJSON files
 * (cli/query/landed-files.ts), each file's path holding its `year=…/month=…/day=…/hour=…`.
 * A view is named like the Athena table and has its columns, typed as the Glue table types
 * them, then the partition column `landed_hour`, those folders joined as Athena projects it
 * (`dead_letters` puts `dlq_stream`, the stream folder, first, as Athena's projection does); a stream with no files still has its view,
 * empty, so that a query over it answers no rows rather than an error.
 */
import {
  type Column,
  DEAD_LETTER_COLUMNS,
  DEAD_LETTER_PARTITION_COLUMNS,
  DEAD_LETTERS_TABLE,
  HOUR_FOLDERS,
  LANDED_HOUR_COLUMN,
  latestViewName,
  latestViewSql,
  PARTITION_COLUMNS,
  RAW_RECORD_COLUMN,
  readsRawLines,
  tableColumns,
  tableName,
} from '#shared/analytics/analyst-tables';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { BUCKET_PREFIXES } from '#shared/contract/storage-layout';
import { ATHENA_MACROS } from './duckdb-macros.ts';
import type { LandedFile } from './landed-files.ts';

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// Splits a Hive type list at its top-level commas (`a:string,b:struct<c:bigint,d:string>`);
// a backticked field name (`` `a-b` ``) may hold any character.
function topLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < list.length; index += 1) {
    const char = list[index];
    if (char === '`') quoted = !quoted;
    else if (quoted) continue;
    else if (char === '<' || char === '(') depth += 1;
    else if (char === '>' || char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(list.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

// A struct field `name:type`, the name plain or backticked with `` `` `` for a backtick.
function structField(field: string): string {
  const quoted = /^`((?:[^`]|``)*)`:(.*)$/s.exec(field);
  if (quoted) return `${sqlIdentifier((quoted[1] ?? '').replaceAll('``', '`'))} ${duckdbType(quoted[2] ?? '')}`;
  const colon = field.indexOf(':');
  return `${sqlIdentifier(field.slice(0, colon))} ${duckdbType(field.slice(colon + 1))}`;
}

const SIMPLE_TYPES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

/** The DuckDB type of a Hive type (`struct<a:string>` becomes `STRUCT("a" VARCHAR)`). */
export function duckdbType(hive: string): string {
  const type = hive.trim();
  const nested = /^(array|struct|map)<(.*)>$/s.exec(type);
  if (nested?.[1] === 'array') return `${duckdbType(nested[2] ?? 'string')}[]`;
  if (nested?.[1] === 'struct')
    return `STRUCT(${topLevel(nested[2] ?? '')
      .map(structField)
      .join(', ')})`;
  if (nested?.[1] === 'map') {
    const [key, value, ...rest] = topLevel(nested[2] ?? '');
    if (key !== undefined && value !== undefined && rest.length === 0) {
      return `MAP(${duckdbType(key)}, ${duckdbType(value)})`;
    }
  }
  if (Object.hasOwn(SIMPLE_TYPES, type)) return SIMPLE_TYPES[type] as string;
  if (/^decimal\(\d+,\d+\)$/.test(type)) return type.toUpperCase();
  throw new Error(`no DuckDB type for the Hive type ${hive}`);
}

const HIVE_OPTIONS = `hive_partitioning = true, hive_types = {${HOUR_FOLDERS.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ')}}`;

// How a column is read from the JSON line: by its key (the Hive JSON SerDe matches keys
// case-insensitively, DuckDB by the exact key); timestamps go through TIMESTAMPTZ so that an
// ISO offset is applied (a plain TIMESTAMP cast drops it), and land as UTC.
function readAs(column: Column): { key: string; read: string; select: string } {
  const key = column.key ?? column.name;
  const name = sqlIdentifier(column.name);
  if (column.type === 'timestamp') {
    return { key, read: 'VARCHAR', select: `CAST(CAST(${sqlIdentifier(key)} AS TIMESTAMPTZ) AS TIMESTAMP) AS ${name}` };
  }
  return { key, read: duckdbType(column.type), select: `${sqlIdentifier(key)} AS ${name}` };
}

// The landing hour as Athena projects it, joined from the `key=value` hour folders DuckDB reads.
const LANDED_HOUR_SELECT = `concat(${HOUR_FOLDERS.map(
  (folder, index) => `${sqlString(`${index === 0 ? '' : '/'}${folder}=`)}, ${sqlIdentifier(folder)}`,
).join(', ')}) AS ${sqlIdentifier(LANDED_HOUR_COLUMN)}`;

// The partition columns of one source: from its hour folders, or fixed by the folder.
function partitionSelects(table: AnalystTable, source: TableSource): string[] {
  return table.partitions.map((name) => {
    const fixed = source.fixed[name];
    if (fixed !== undefined) return `${sqlString(fixed)} AS ${sqlIdentifier(name)}`;
    return name === LANDED_HOUR_COLUMN ? LANDED_HOUR_SELECT : sqlIdentifier(name);
  });
}

function emptySelect(table: AnalystTable): string {
  const typed = table.columns.map(
    (column) => `CAST(NULL AS ${duckdbType(column.type)}) AS ${sqlIdentifier(column.name)}`,
  );
  const partitions = table.partitions.map((name) => `CAST(NULL AS VARCHAR) AS ${sqlIdentifier(name)}`);
  return `SELECT ${[...typed, ...partitions].join(', ')} WHERE false`;
}

// The files of one source with one compression, as a DuckDB list and the reader options.
function fileList(files: readonly LandedFile[]): string {
  return `[${files.map((file) => sqlString(file.path)).join(', ')}]`;
}

// DuckDB's readers name these 'uncompressed' and 'gzip'.
function readOptions(compression: LandedFile['compression']): string {
  return `compression = ${sqlString(compression === 'gzip' ? 'gzip' : 'uncompressed')}, ${HIVE_OPTIONS}`;
}

function jsonSelect(table: AnalystTable, source: TableSource, files: readonly LandedFile[]): string {
  const reads = table.columns.map(readAs);
  const struct = reads.map((read) => `${sqlString(read.key)}: ${sqlString(read.read)}`);
  return `SELECT ${[...reads.map((read) => read.select), ...partitionSelects(table, source)].join(', ')}
    FROM read_json(${fileList(files)}, format = 'newline_delimited', columns = {${struct.join(', ')}}, ${readOptions(files[0]?.compression ?? 'none')})`;
}

// The raw line as one string: a delimiter that cannot occur in a JSON line (control
// characters are escaped in JSON text) and no quoting, so the line comes through unchanged.
function recordSelect(table: AnalystTable, source: TableSource, files: readonly LandedFile[]): string {
  return `SELECT ${[sqlIdentifier(RAW_RECORD_COLUMN.name), ...partitionSelects(table, source)].join(', ')}
    FROM read_csv(${fileList(files)}, columns = {${sqlString(RAW_RECORD_COLUMN.name)}: 'VARCHAR'}, delim = '\u0001',
      quote = '', escape = '', header = false, auto_detect = false, max_line_size = 8388608, ${readOptions(files[0]?.compression ?? 'none')})`;
}

/** The view definition of a table over its sources' files, one read per source and compression. */
function viewSelect(table: AnalystTable): string {
  const selects = table.sources.flatMap((source) =>
    (['none', 'gzip'] as const)
      .map((compression) => source.files.filter((file) => file.compression === compression))
      .filter((files) => files.length > 0)
      .map((files) => (table.raw ? recordSelect(table, source, files) : jsonSelect(table, source, files))),
  );
  return selects.length > 0 ? selects.join('\n    UNION ALL BY NAME\n    ') : emptySelect(table);
}

/** Streams a pull source lands in: their tables get `_sluice` and a `_latest` view. */
export type PulledStreams = ReadonlySet<string>;

/** A key prefix a table reads (`streams/<stream>/`), and its files. */
export interface TableSource {
  readonly prefix: string;
  readonly files: readonly LandedFile[];
  /** Partition columns the folder itself decides (the stream folder of a dead letter). */
  readonly fixed: Readonly<Record<string, string>>;
}

/** One table of the tenant: its view name, columns, partition columns and the folders it reads. */
export interface AnalystTable {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly partitions: readonly string[];
  readonly sources: readonly TableSource[];
  /** Each line read whole into `record` (shared/analytics/analyst-tables.ts `readsRawLines`). */
  readonly raw: boolean;
}

/** The tenant's tables over the landed files, as the Glue tables define them. */
export function analystTables(
  tenant: TenantConfig,
  files: readonly LandedFile[],
  pulled: PulledStreams,
): AnalystTable[] {
  const streams = Object.values(tenant.streams) as StreamConfig[];
  const [streamPartition] = DEAD_LETTER_PARTITION_COLUMNS;
  const under = (prefix: string) => ({ prefix, files: files.filter((file) => file.key.startsWith(prefix)) });
  return [
    ...streams.map((stream) => ({
      name: tableName(stream.id),
      columns: tableColumns(stream, { pulled: pulled.has(stream.id) }),
      partitions: PARTITION_COLUMNS,
      sources: [{ ...under(`${BUCKET_PREFIXES.streams}${stream.id}/`), fixed: {} }],
      raw: readsRawLines(stream),
    })),
    {
      name: DEAD_LETTERS_TABLE,
      columns: DEAD_LETTER_COLUMNS,
      partitions: DEAD_LETTER_PARTITION_COLUMNS,
      sources: streams.map((stream) => ({
        ...under(`${BUCKET_PREFIXES.deadLetter}${stream.id}/`),
        fixed: { [streamPartition]: stream.id },
      })),
      raw: false,
    },
  ];
}

/** The statements that define the macros and every view of the tenant over the landed files. */
export function viewStatements(tenant: TenantConfig, files: readonly LandedFile[], pulled: PulledStreams): string[] {
  const views = analystTables(tenant, files, pulled).map(
    (table) => `CREATE OR REPLACE VIEW ${sqlIdentifier(table.name)} AS ${viewSelect(table)}`,
  );
  // The `_latest` views run the SQL the Athena named query holds, word for word.
  const latest = (Object.values(tenant.streams) as StreamConfig[])
    .filter((stream) => pulled.has(stream.id))
    .map(
      (stream) =>
        `CREATE OR REPLACE VIEW ${sqlIdentifier(latestViewName(stream.id))} AS\n${latestViewSql(stream.id, tableColumns(stream, { pulled: true }))}`,
    );
  return ["SET TimeZone = 'UTC'", ...ATHENA_MACROS, ...views, ...latest];
}
