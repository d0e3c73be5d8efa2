/** The embedded S3: s3rver on loopback with its data under `.sluice/s3/`, and the client for it. */
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import { S3Client } from '@aws-sdk/client-s3';

import { LOCAL_BUCKET } from './s3rver-layout.ts';

export { LOCAL_BUCKET, S3RVER_FILE_SUFFIXES } from './s3rver-layout.ts';

/** Credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running embedded S3. */
export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

// s3rver does not reject when its port is taken (the error event goes unhandled and ends
// the process), so a fixed port is tried first.
function ensurePortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** What `embedded-s3-worker.mjs` takes as `workerData`. */
interface EmbeddedS3WorkerData {
  readonly directory: string;
  readonly port: number;
  readonly bucket: string;
}

/** What the thread posts once s3rver listens. */
interface EmbeddedS3Ready {
  readonly port: number;
}

/** The message that asks the thread to close s3rver and end. */
const CLOSE_MESSAGE = 'close';

/**
 * Starts s3rver on 127.0.0.1 (`port` 0 picks a free one) with the landing bucket in place,
 * in a thread of its own (`embedded-s3-worker.mjs`). `onFailure` hears of the thread failing
 * after it started.
 */
export async function startEmbeddedS3(
  directory: string,
  port = 0,
  onFailure: (error: Error) => void = () => undefined,
): Promise<EmbeddedS3> {
  await mkdir(directory, { recursive: true });
  if (port !== 0) await ensurePortFree(port);
  const workerData: EmbeddedS3WorkerData = { directory, port, bucket: LOCAL_BUCKET };
  const worker = new Worker(new URL('./embedded-s3-worker.mjs', import.meta.url), { workerData });
  const exited = once(worker, 'exit');
  const [ready] = (await Promise.race([
    once(worker, 'message'),
    exited.then(([code]) => {
      throw new Error(`the embedded S3 stopped before it listened (exit code ${code})`);
    }),
  ])) as [EmbeddedS3Ready];
  // A later failure ends the thread; uploads then fail and are retried, their journals kept.
  worker.on('error', onFailure);
  return {
    endpoint: `http://127.0.0.1:${ready.port}`,
    bucket: LOCAL_BUCKET,
    close: async () => {
      worker.postMessage(CLOSE_MESSAGE);
      await exited;
    },
  };
}

/**
 * An S3 client for an endpoint: s3rver needs path-style addressing, its fixed credentials
 * and checksums only when required (otherwise streamed uploads are silently corrupted).
 * `credentials: 'default'` keeps the SDK's credential chain for another S3-compatible
 * endpoint. Without an endpoint it is a plain client for real S3.
 */
export function createS3Client(endpoint?: string, options: { credentials?: 's3rver' | 'default' } = {}): S3Client {
  if (!endpoint) return new S3Client({});
  return new S3Client({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    ...(options.credentials === 'default' ? {} : { credentials: S3RVER_CREDENTIALS }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
