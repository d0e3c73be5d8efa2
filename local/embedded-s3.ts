/** The embedded S3: s3rver on loopback with its data under `.sluice/s3/`, and the client for it. */
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** The landing bucket of local mode. */
export const LOCAL_BUCKET = 'sluice-local';

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

/** Starts s3rver on 127.0.0.1 (`port` 0 picks a free one) with the landing bucket in place. */
export async function startEmbeddedS3(directory: string, port = 0): Promise<EmbeddedS3> {
  await mkdir(directory, { recursive: true });
  if (port !== 0) await ensurePortFree(port);
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: LOCAL_BUCKET }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: LOCAL_BUCKET,
    close: () => server.close(),
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
