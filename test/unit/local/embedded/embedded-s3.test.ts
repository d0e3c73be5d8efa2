import { createServer } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createS3Client, LOCAL_BUCKET, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { portIsFree } from '../../../e2e/support/port-is-free.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

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

it('lists common prefixes for a delimiter, as `aws s3 ls` without --recursive asks (ListObjectsV2, Delimiter "/")', async () => {
  const s3 = await startEmbeddedS3(home.s3);
  try {
    const client = createS3Client(s3.endpoint);
    for (const key of [
      'streams/orders/year=2026/month=01/day=02/hour=03/a.ndjson',
      'streams/orders/year=2026/month=01/day=02/hour=04/b.ndjson',
      'streams/events/year=2026/month=01/day=02/hour=03/c.ndjson',
      'dlq/orders/year=2026/month=01/day=02/hour=03/d.ndjson',
      'streams/top.txt',
    ]) {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'x' }));
    }
    const ls = async (prefix: string) => {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, Delimiter: '/' }));
      return {
        prefixes: (page.CommonPrefixes ?? []).map((common) => common.Prefix),
        keys: (page.Contents ?? []).map((object) => object.Key),
      };
    };
    expect(await ls('')).toEqual({ prefixes: ['dlq/', 'streams/'], keys: [] });
    expect(await ls('streams/')).toEqual({
      prefixes: ['streams/events/', 'streams/orders/'],
      keys: ['streams/top.txt'],
    });
    expect(await ls('streams/orders/year=2026/month=01/day=02/')).toEqual({
      prefixes: [
        'streams/orders/year=2026/month=01/day=02/hour=03/',
        'streams/orders/year=2026/month=01/day=02/hour=04/',
      ],
      keys: [],
    });
    expect(await ls('streams/orders/year=2026/month=01/day=02/hour=03/')).toEqual({
      prefixes: [],
      keys: ['streams/orders/year=2026/month=01/day=02/hour=03/a.ndjson'],
    });
  } finally {
    await s3.close();
  }
});
