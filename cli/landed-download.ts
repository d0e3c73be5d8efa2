/**
 * Copies landed batches into a local folder in the bucket's key layout, each decoded to
 * NDJSON (gzip undone, CBOR items as their JSON form), for the DuckDB views to read. Keys
 * outside the layout are skipped, so no key of a bucket can write outside the folder. A
 * file already in the folder is kept: batch objects never change once written.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DECODED_EXTENSION } from '#local/duckdb-views';
import { BUCKET_PREFIXES } from '#shared/storage-layout';
import { type LandedObject, listBatches, readBatchRecords } from './batch-reader.ts';
import { keyInWindow, type TimeWindow, windowHourPrefixes } from './time-window.ts';

const LAYOUT =
  /^(streams|dlq)\/[A-Za-z0-9_-]{1,64}\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+\.(ndjson|cbor)(\.gz)?$/;

/** Where a key's decoded copy goes in the folder, or undefined for a key outside the layout. */
export function decodedPath(folder: string, key: string): string | undefined {
  if (!LAYOUT.test(key)) return undefined;
  return join(folder, `${key.replace(/\.(ndjson|cbor)(\.gz)?$/, '')}${DECODED_EXTENSION}`);
}

/** What to copy: the streams (their records and dead letters) and an optional time window. */
export interface DownloadRequest {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly streams: readonly string[];
  readonly folder: string;
  readonly window?: TimeWindow;
  readonly deadLetters?: boolean;
}

async function listWindow(request: DownloadRequest, base: string): Promise<LandedObject[]> {
  const { since, until } = request.window ?? {};
  // A closed window lists its hour partitions only, so a long history is not listed for an hour of it.
  if (since && until) {
    const pages = await Promise.all(
      windowHourPrefixes(since, until).map((hour) => listBatches(request.s3, request.bucket, `${base}${hour}`)),
    );
    return pages.flat();
  }
  const objects = await listBatches(request.s3, request.bucket, base);
  return request.window ? objects.filter((object) => keyInWindow(object.key, request.window ?? {})) : objects;
}

/** Copies the objects; resolves with how many were fetched and how many the folder already had. */
export async function downloadLanded(request: DownloadRequest): Promise<{ fetched: number; cached: number }> {
  const bases = request.streams.flatMap((stream) => [
    `${BUCKET_PREFIXES.streams}${stream}/`,
    ...(request.deadLetters === false ? [] : [`${BUCKET_PREFIXES.deadLetter}${stream}/`]),
  ]);
  let fetched = 0;
  let cached = 0;
  for (const base of bases) {
    for (const object of await listWindow(request, base)) {
      const path = decodedPath(request.folder, object.key);
      if (!path) continue;
      if (existsSync(path)) {
        cached += 1;
        continue;
      }
      const records = await readBatchRecords(request.s3, request.bucket, object.key);
      await mkdir(dirname(path), { recursive: true });
      // Written aside then renamed, so that an interrupted copy is never taken for a whole one.
      await writeFile(`${path}.partial`, records.map((record) => `${record}\n`).join(''));
      await rename(`${path}.partial`, path);
      fetched += 1;
    }
  }
  return { fetched, cached };
}
