/**
 * Athena functions DuckDB lacks, defined as DuckDB macros, so that the same SQL text runs in
 * `sluice query` and on Athena (docs/analysts.md).
 */

/**
 * `json_extract_scalar(json, path)`: the scalar at the path as text; NULL for an object, an
 * array, a JSON null, a missing path or text that is not JSON, as Athena answers.
 */
const JSON_EXTRACT_SCALAR = `CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS
  CASE WHEN NOT json_valid(j) THEN NULL
       WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL
       ELSE json_extract_string(j, p) END`;

/**
 * `date_format(timestamp, format)`: Athena's MySQL-style patterns (`%Y`, `%m`, `%d`, `%H`) are
 * strftime's too; the session is UTC (duckdb-views.ts), as Athena's is.
 */
const DATE_FORMAT = 'CREATE OR REPLACE MACRO date_format(t, f) AS strftime(t, f)';

/**
 * `from_iso8601_timestamp(text)`: an ISO 8601 date-time with its offset applied, as Athena's
 * (date-time properties are string columns; docs/analysts.md).
 */
const FROM_ISO8601_TIMESTAMP = 'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)';

/** The statements that define every Athena function the example queries use. */
export const ATHENA_MACROS: readonly string[] = [JSON_EXTRACT_SCALAR, DATE_FORMAT, FROM_ISO8601_TIMESTAMP];
