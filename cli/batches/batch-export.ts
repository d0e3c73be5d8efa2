/**
 * `sluice batches export <stream>`: one file of a stream's landed records. NDJSON holds the
 * records as landed (CBOR as its JSON form), oldest first; Parquet holds the stream's table,
 * typed as `sluice query` and Athena see it, with its partition columns.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { sqlIdentifier, sqlString } from '#cli/query/duckdb-views';
import { openQueryEngine } from '#cli/query/query-engine';
import { tableName } from '#shared/analytics/analyst-tables';
import type { TenantConfig } from '#shared/config/tenant-config';
import type { LandedFile } from '../query/landed-files.ts';
import type { TimeWindow } from '../time-window.ts';
import type { ExportFormat } from './export-formats.ts';

/** What to export, from where, to which file. */
export interface ExportRequest {
  readonly tenant: TenantConfig;
  readonly stream: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly window: TimeWindow;
  /**
   * The stream's landed objects in the window, in key order, as files: downloaded from a bucket
   * into `scratch`, or the local bucket's own files (with decoded copies of CBOR in `scratch`).
   */
  landed(scratch: string): Promise<readonly LandedFile[]>;
}

const gunzipAsync = promisify(gunzip);

/** What an export wrote: records, and the batches they came from. */
export interface ExportCount {
  readonly records: number;
  readonly batches: number;
}

/** Writes the file; resolves with how many records, from how many batches, went into it. */
export async function exportBatches(request: ExportRequest): Promise<ExportCount> {
  const folder = await mkdtemp(join(tmpdir(), 'sluice-export-'));
  try {
    const files = await request.landed(folder);
    // Key order is time order.
    if (request.format === 'ndjson') {
      const parts = await Promise.all(
        files.map(async (file) => {
          const stored = await readFile(file.path);
          return file.compression === 'gzip' ? gunzipAsync(stored) : stored;
        }),
      );
      const joined = Buffer.concat(parts);
      await writeFile(request.out, joined);
      // Every decoded record is one line that ends with a newline.
      let records = 0;
      for (let at = joined.indexOf(10); at !== -1; at = joined.indexOf(10, at + 1)) records += 1;
      return { records, batches: files.length };
    }
    const engine = await openQueryEngine(request.tenant, files);
    try {
      const table = sqlIdentifier(tableName(request.stream));
      await engine.query(`COPY (SELECT * FROM ${table}) TO ${sqlString(request.out)} (FORMAT parquet)`);
      const counted = await engine.query(`SELECT count(*) FROM ${table}`);
      return { records: Number(counted.rows[0]?.[0] ?? 0), batches: files.length };
    } finally {
      engine.close();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
