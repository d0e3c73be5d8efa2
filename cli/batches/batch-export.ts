/**
 * `sluice batches export <stream>`: one file of a stream's landed records. NDJSON holds the
 * records as landed (CBOR as its JSON form), oldest first; Parquet holds the stream's table,
 * typed as `sluice query` and Athena see it, with its partition columns.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { sqlIdentifier, sqlString } from '#cli/query/duckdb-views';
import { openQueryEngine } from '#cli/query/query-engine';
import { tableName } from '#shared/analytics/analyst-tables';
import type { TenantConfig } from '#shared/config/tenant-config';
import { downloadLanded } from '../query/landed-download.ts';
import type { TimeWindow } from '../time-window.ts';

/** Formats of `batches export`. */
export const EXPORT_FORMATS = ['parquet', 'ndjson'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What to export, from where, to which file. */
export interface ExportRequest {
  readonly tenant: TenantConfig;
  readonly stream: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly window: TimeWindow;
  readonly s3: S3Client;
  readonly bucket: string;
}

/** Writes the file; resolves with how many batches went into it. */
export async function exportBatches(request: ExportRequest): Promise<number> {
  const folder = await mkdtemp(join(tmpdir(), 'sluice-export-'));
  try {
    const { files } = await downloadLanded({
      s3: request.s3,
      bucket: request.bucket,
      streams: [request.stream],
      folder,
      window: request.window,
      deadLetters: false,
    });
    // Key order is time order.
    if (request.format === 'ndjson') {
      const parts = await Promise.all(files.map((file) => readFile(file.path)));
      await writeFile(request.out, Buffer.concat(parts));
      return files.length;
    }
    const engine = await openQueryEngine(request.tenant, files);
    try {
      const table = sqlIdentifier(tableName(request.stream));
      await engine.query(`COPY (SELECT * FROM ${table}) TO ${sqlString(request.out)} (FORMAT parquet)`);
    } finally {
      engine.close();
    }
    return files.length;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
