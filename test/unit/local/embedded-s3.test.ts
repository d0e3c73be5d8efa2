import { createServer } from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createS3Client, LOCAL_BUCKET, startEmbeddedS3 } from '#local/embedded-s3';
import { tempHome } from '../../e2e/support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

it('serves the landing bucket, keeps its objects on disk and frees its port on close', async () => {
  const first = await startEmbeddedS3(home.s3);
  const port = Number(new URL(first.endpoint).port);
  expect(first.bucket).toBe(LOCAL_BUCKET);
  await createS3Client(first.endpoint).send(
    new PutObjectCommand({ Bucket: first.bucket, Key: 'streams/orders/a.ndjson', Body: '{"a":1}\n' }),
  );
  await first.close();
  expect(await portIsFree(port)).toBe(true);

  // A new server on the same port and data folder finds the object again.
  const second = await startEmbeddedS3(home.s3, port);
  try {
    const object = await createS3Client(second.endpoint).send(
      new GetObjectCommand({ Bucket: second.bucket, Key: 'streams/orders/a.ndjson' }),
    );
    expect(await object.Body?.transformToString()).toBe('{"a":1}\n');
  } finally {
    await second.close();
  }
});

it('refuses a port that is taken, with the error and without ending the process', async () => {
  const blocker = createServer();
  const port = await new Promise<number>((resolve) =>
    blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
  );
  try {
    await expect(startEmbeddedS3(home.s3, port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    blocker.close();
  }
});
