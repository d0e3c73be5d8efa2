/**
 * Reads landed batches through the S3 API (so that it works against a real bucket too):
 * lists a stream's objects oldest first and decodes their records (NDJSON lines, or CBOR
 * items of a CBOR sequence, gzip-compressed or not).
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { decodeMultiple } from 'cbor-x';
import { BUCKET_PREFIXES } from '#shared/contract/storage-layout';

const gunzipAsync = promisify(gunzip);

/** One landed object. */
export interface LandedObject {
  readonly key: string;
  readonly bytes: number;
  /** The listing's ETag, when the store gives one: with the size, what a cached copy is checked against. */
  readonly etag?: string;
}

/** The key prefix of a stream's batches, or of its dead-letter batches. */
export function streamPrefix(streamId: string, deadLetter = false): string {
  return `${deadLetter ? BUCKET_PREFIXES.deadLetter : BUCKET_PREFIXES.streams}${streamId}/`;
}

// An XML stream's JSON projection lands in `streams/<stream>/json/`, below its own records'
// prefix; it is a copy of the same records, so listing the records must not count it twice.
const PROJECTION_KEY = new RegExp(`^${BUCKET_PREFIXES.streams}[^/]+/json/`);

/** Whether a key listed under `prefix` is a JSON projection's copy that the listing leaves out. */
export function isProjectionCopy(key: string, prefix: string): boolean {
  return PROJECTION_KEY.test(key) && !PROJECTION_KEY.test(prefix);
}

/**
 * Every object under the prefix, oldest first (without a JSON projection's copies, unless the
 * prefix is inside one): keys carry the hour partitions, then the
 * delivery stream name, the batch time and a time-ordered id, so key order is time order.
 */
export async function listBatches(s3: S3Client, bucket: string, prefix: string): Promise<LandedObject[]> {
  // Loaded here: reading the local bucket's folder (`batches cat` without a server) needs no AWS SDK.
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const objects: LandedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const item of page.Contents ?? []) {
      if (!item.Key || isProjectionCopy(item.Key, prefix)) continue;
      objects.push({ key: item.Key, bytes: item.Size ?? 0, ...(item.ETag ? { etag: item.ETag } : {}) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// cbor-x decodes byte strings to Buffers; show them as base64 rather than {"type":"Buffer",…}.
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) return Object.fromEntries(item);
    if (typeof item === 'bigint') return item.toString();
    if (item && typeof item === 'object' && (item as { type?: unknown }).type === 'Buffer') {
      return Buffer.from((item as { data: number[] }).data).toString('base64');
    }
    return item;
  });
}

/** The stored bytes of one object, as they are in the bucket (gzip not undone). */
export async function readBatchBody(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
}

/** The records of an object's stored bytes, each as one line of JSON. */
export async function decodeBatchRecords(key: string, stored: Buffer): Promise<string[]> {
  const body = key.endsWith('.gz') ? await gunzipAsync(stored) : stored;
  if (/\.cbor(\.gz)?$/.test(key)) {
    if (body.length === 0) return [];
    const items: unknown[] = [];
    decodeMultiple(body, (item: unknown) => {
      items.push(item);
    });
    return items.map(toJson);
  }
  return body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

/** The records of one object, each as one line of JSON. */
export async function readBatchRecords(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  return decodeBatchRecords(key, await readBatchBody(s3, bucket, key));
}
