/**
 * The local bucket's objects of one prefix, read where the embedded S3 keeps them (as `sluice
 * query` does, cli/query/local-bucket-files.ts): `batches ls` and `batches cat` without a dev
 * server then start no s3rver, which cost them seconds. An object whose s3rver metadata file is
 * not written yet is still being written and is left out, as a listing would not show it.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { S3RVER_FILE_SUFFIXES } from '#local/embedded/s3rver-layout';
import { isProjectionCopy, type LandedObject } from './batch-reader.ts';

const { object: OBJECT_SUFFIX, metadata: METADATA_SUFFIX } = S3RVER_FILE_SUFFIXES;

/** Reads a bucket kept in an embedded S3's data folder. */
export interface LocalBucket {
  list(prefix: string): Promise<LandedObject[]>;
  read(key: string): Promise<Buffer>;
}

/** The bucket `bucket` of the embedded S3 whose data folder is `s3Directory`. */
export function localBucket(s3Directory: string, bucket: string): LocalBucket {
  const folder = join(s3Directory, bucket);
  const objectPath = (key: string) => join(folder, `${key}${OBJECT_SUFFIX}`);
  return {
    async list(prefix) {
      let names: string[];
      try {
        names = await readdir(join(folder, prefix), { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const keys = names
        .filter((name) => name.endsWith(OBJECT_SUFFIX))
        .map((name) => `${prefix}${name.slice(0, -OBJECT_SUFFIX.length).split(sep).join('/')}`)
        .filter((key) => !isProjectionCopy(key, prefix) && existsSync(join(folder, `${key}${METADATA_SUFFIX}`)))
        .sort();
      return Promise.all(keys.map(async (key) => ({ key, bytes: (await stat(objectPath(key))).size })));
    },
    read: (key) => readFile(objectPath(key)),
  };
}
