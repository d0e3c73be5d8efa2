/**
 * The files a query reads: each landed object by its bucket key, and the file on this machine
 * that holds its records as NDJSON, plain or gzipped. DuckDB reads that file in place: a
 * stored NDJSON object as it is (the local bucket's own file), a CBOR object through a decoded
 * copy. Views list their files instead of globbing a folder, so a windowed query reads just its
 * objects and a half-written object is never read.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One landed object as DuckDB reads it. */
export interface LandedFile {
  /** The object's key in the bucket (`streams/<stream>/year=…/…/<name>.ndjson.gz`). */
  readonly key: string;
  /** The NDJSON file on this machine; its path holds the `year=…/month=…/day=…/hour=…` folders. */
  readonly path: string;
  readonly compression: 'none' | 'gzip';
}

/** The extension of decoded copies. */
export const DECODED_EXTENSION = '.ndjson';

/** Decoded copies in a folder laid out like the bucket, in key order (time order). */
export async function decodedFilesIn(folder: string): Promise<LandedFile[]> {
  let names: string[];
  try {
    names = await readdir(folder, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(DECODED_EXTENSION))
    .sort()
    .map((name) => ({
      key: relative(folder, join(folder, name)).split(sep).join('/'),
      path: join(folder, name),
      compression: 'none',
    }));
}
