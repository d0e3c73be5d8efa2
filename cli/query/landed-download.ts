/**
 * Keeps a local folder in step with the landed batches, in the bucket's key layout, each
 * decoded to NDJSON (gzip undone, CBOR items as their JSON form), for the DuckDB views to
 * read. A key is written once, so a copy whose key, size and ETag match the listing is kept
 * and only objects the folder has not seen are fetched, a few at a time; a copy whose object
 * is gone from the listed scope is deleted. What the folder holds is recorded in a manifest
 * beside the copies. Keys outside the layout are skipped, so no key of a bucket can write
 * outside the folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { BUCKET_PREFIXES } from '#shared/contract/storage-layout';
import { decodeBatchRecords, type LandedObject, listBatches, readBatchBody } from '../batches/batch-reader.ts';
import { keyInWindow, type TimeWindow, windowHourPrefixes } from '../time-window.ts';
import { DECODED_EXTENSION, type LandedFile } from './landed-files.ts';

const LAYOUT =
  /^(streams|dlq)\/[A-Za-z0-9_-]{1,64}\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+\.(ndjson|cbor)(\.gz)?$/;

/** Objects fetched at once: enough to hide each GET's round trip, few enough for a laptop's sockets. */
export const FETCH_CONCURRENCY = 8;

// Outside the stream folders and not `*.ndjson`, so no view reads it.
const MANIFEST = '.sluice-cache.json';

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

/** What a call did, and the decoded copies of the objects it listed, in key order. */
export interface DownloadResult {
  readonly fetched: number;
  readonly cached: number;
  readonly removed: number;
  readonly files: readonly LandedFile[];
}

type Manifest = Record<string, { readonly bytes: number; readonly etag?: string }>;

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

async function readManifest(folder: string): Promise<Manifest> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(folder, MANIFEST), 'utf8'));
    // A damaged manifest only costs a fresh fetch of everything.
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Manifest) : {};
  } catch {
    return {};
  }
}

let partials = 0;

/** Writes a file aside, then renames it into place: an interrupted copy, or a second call's, is never taken for a whole one. */
export async function writeWhole(path: string, body: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  partials += 1;
  const partial = `${path}.partial-${process.pid}-${partials}`;
  await writeFile(partial, body);
  await rename(partial, path);
}

// A plain NDJSON object already is one JSON record per line, so its bytes are the copy; one
// with an empty line (never landed by Sluice) goes through the decoder, which drops it.
async function decodedCopy(key: string, stored: Buffer): Promise<Buffer | string> {
  const plain = key.endsWith('.ndjson') && stored.indexOf('\n\n') === -1 && stored[0] !== 0x0a;
  if (plain) return stored;
  return (await decodeBatchRecords(key, stored)).map((record) => `${record}\n`).join('');
}

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sameObject = (object: LandedObject, entry: Manifest[string] | undefined): boolean =>
  entry !== undefined && entry.bytes === object.bytes && entry.etag === object.etag;

/** Brings the folder in step with the listed objects; resolves with what was fetched, kept and removed. */
export async function downloadLanded(request: DownloadRequest): Promise<DownloadResult> {
  const bases = request.streams.flatMap((stream) => [
    `${BUCKET_PREFIXES.streams}${stream}/`,
    ...(request.deadLetters === false ? [] : [`${BUCKET_PREFIXES.deadLetter}${stream}/`]),
  ]);
  const listed = (await Promise.all(bases.map((base) => listWindow(request, base)))).flat();
  const manifest = await readManifest(request.folder);
  const wanted = new Map<string, { object: LandedObject; path: string }>();
  for (const object of listed) {
    const path = decodedPath(request.folder, object.key);
    if (path) wanted.set(object.key, { object, path });
  }
  const missing = [...wanted.values()].filter(
    ({ object, path }) => !sameObject(object, manifest[object.key]) || !existsSync(path),
  );
  await eachLimited(missing, FETCH_CONCURRENCY, async ({ object, path }) => {
    const stored = await readBatchBody(request.s3, request.bucket, object.key);
    await writeWhole(path, await decodedCopy(object.key, stored));
    manifest[object.key] = { bytes: object.bytes, ...(object.etag ? { etag: object.etag } : {}) };
  });
  // Only what this call listed can be known gone: a copy outside its streams or window stays.
  const kept = new Set([...wanted.values()].map(({ path }) => path));
  let removed = 0;
  for (const key of Object.keys(manifest)) {
    if (wanted.has(key) || !bases.some((base) => key.startsWith(base))) continue;
    if (request.window && !keyInWindow(key, request.window)) continue;
    const path = decodedPath(request.folder, key);
    if (path && !kept.has(path)) await rm(path, { force: true });
    delete manifest[key];
    removed += 1;
  }
  if (missing.length > 0 || removed > 0) await writeWhole(join(request.folder, MANIFEST), JSON.stringify(manifest));
  const files = [...wanted.values()]
    .map(({ object, path }): LandedFile => ({ key: object.key, path, compression: 'none' }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { fetched: missing.length, cached: wanted.size - missing.length, removed, files };
}
