/** The formats of `batches export`, apart from the export itself so that the command's parser loads no DuckDB. */

/** Formats of `batches export`. */
export const EXPORT_FORMATS = ['parquet', 'ndjson'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
