/**
 * Prints a query result as a table (numbers right-aligned), JSON, NDJSON or CSV. Rows are written from the column
 * list, not through objects, so a column named `__proto__` or two columns of one name print
 * as they are. Integers and decimals print as JSON numbers with their exact digits (DuckDB
 * hands them over as text), never rounded through a double.
 */
import type { QueryResult } from '#cli/query/query-engine';

/** Output formats of `sluice query`. */
export const QUERY_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
/** One output format. */
export type QueryFormat = (typeof QUERY_FORMATS)[number];

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const EXACT_NUMBER_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL)/;
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;
// Every DuckDB number type: right-aligned in a table, so digits line up by place.
const NUMBER_TYPE = new RegExp(`${EXACT_NUMBER_TYPE.source}|^(FLOAT|DOUBLE|REAL)`);

function jsonValue(value: unknown, type: string | undefined): string {
  if (typeof value === 'string' && type && EXACT_NUMBER_TYPE.test(type) && NUMBER_TEXT.test(value)) return value;
  return JSON.stringify(value ?? null);
}

function jsonRow(result: QueryResult, row: readonly unknown[]): string {
  const members = result.columns.map(
    (column, index) => `${JSON.stringify(column)}:${jsonValue(row[index], result.types[index])}`,
  );
  return `{${members.join(',')}}`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function table(result: QueryResult): string {
  const cells = result.rows.map((row) =>
    result.columns.map((_, index) => (row[index] === null ? 'NULL' : text(row[index]))),
  );
  const widths = result.columns.map((column, index) =>
    Math.max(column.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const numeric = result.columns.map((_, index) => NUMBER_TYPE.test(result.types[index] ?? ''));
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => (numeric[index] ? value.padStart(widths[index] ?? 0) : value.padEnd(widths[index] ?? 0)))
      .join(' | ')
      .trimEnd();
  const rows = cells.map(line);
  return `${[line(result.columns), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows].join('\n')}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
}

/** The result in a format. */
export function formatResult(result: QueryResult, format: QueryFormat): string {
  switch (format) {
    case 'json':
      return `[${result.rows.map((row) => jsonRow(result, row)).join(',\n')}]\n`;
    case 'ndjson':
      return result.rows.map((row) => `${jsonRow(result, row)}\n`).join('');
    case 'csv':
      return [result.columns, ...result.rows.map((row) => row.map(text))]
        .map((values) => `${values.map(csvField).join(',')}\r\n`)
        .join('');
    default:
      return table(result);
  }
}
