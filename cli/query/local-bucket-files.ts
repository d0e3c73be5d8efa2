/**
 * The local bucket's objects read where the embedded S3 keeps them, without starting it or
 * asking a running one: s3rver stores each object's body as `<bucket>/<key>._S3rver_object`
 * and writes its `._S3rver_metadata.json` after the body, so an object without that file is
 * still being written and is left for the next call. A `sluice query` over local mode thus
 * costs what DuckDB costs: NDJSON objects (plain or gzipped) are read in place, and only CBOR
 * objects get a decoded copy, made once in the query cache. Local mode only; `--stack` reads
 * real S3 through cli/query/landed-download.ts.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { S3RVER_FILE_SUFFIXES } from '#local/embedded/embedded-s3';
import { BUCKET_PREFIXES } from '#shared/contract/storage-layout';
import { decodeBatchRecords } from '../batches/batch-reader.ts';
import { keyInWindow, type TimeWindow } from '../time-window.ts';
import { decodedPath, writeWhole } from './landed-download.ts';
import type { LandedFile } from './landed-files.ts';

const { object: OBJECT_SUFFIX, metadata: METADATA_SUFFIX } = S3RVER_FILE_SUFFIXES;

/** Where to look and what to take. */
export interface LocalBucketRequest {
  /** The embedded S3's data folder (`.sluice/<tenant>/s3`). */
  readonly s3Directory: string;
  readonly bucket: string;
  readonly streams: readonly string[];
  /** Where decoded copies of CBOR objects are kept between calls. */
  readonly cacheFolder: string;
  readonly window?: TimeWindow;
  readonly deadLetters?: boolean;
}

async function storedKeys(bucketFolder: string, base: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(bucketFolder, base), { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(OBJECT_SUFFIX))
    .map((name) => `${base}${name.slice(0, -OBJECT_SUFFIX.length).split(sep).join('/')}`);
}

// A CBOR object's decoded copy, made when missing or older than the object.
async function decodedCbor(objectPath: string, key: string, copy: string): Promise<void> {
  const [object, existing] = await Promise.all([stat(objectPath), stat(copy).catch(() => undefined)]);
  if (existing && existing.mtimeMs >= object.mtimeMs) return;
  const records = await decodeBatchRecords(key, await readFile(objectPath));
  await writeWhole(copy, records.map((record) => `${record}\n`).join(''));
}

/** The stored objects of the streams (and their dead letters) in the window, in key order. */
export async function localBucketFiles(request: LocalBucketRequest): Promise<LandedFile[]> {
  const bucketFolder = join(request.s3Directory, request.bucket);
  const bases = request.streams.flatMap((stream) => [
    `${BUCKET_PREFIXES.streams}${stream}/`,
    ...(request.deadLetters === false ? [] : [`${BUCKET_PREFIXES.deadLetter}${stream}/`]),
  ]);
  const keys = (await Promise.all(bases.map((base) => storedKeys(bucketFolder, base)))).flat().sort();
  const files: LandedFile[] = [];
  for (const key of keys) {
    const copy = decodedPath(request.cacheFolder, key);
    if (!copy) continue;
    if (request.window && !keyInWindow(key, request.window)) continue;
    const objectPath = join(bucketFolder, `${key}${OBJECT_SUFFIX}`);
    if (!existsSync(join(bucketFolder, `${key}${METADATA_SUFFIX}`))) continue;
    if (key.endsWith('.ndjson')) files.push({ key, path: objectPath, compression: 'none' });
    else if (key.endsWith('.ndjson.gz')) files.push({ key, path: objectPath, compression: 'gzip' });
    else {
      await decodedCbor(objectPath, key, copy);
      files.push({ key, path: copy, compression: 'none' });
    }
  }
  return files;
}
