import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, type EmbeddedS3, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { tempHome } from '../../../e2e/support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;
let embedded: EmbeddedS3;
let s3: ReturnType<typeof createS3Client>;

beforeAll(async () => {
  home = await tempHome();
  embedded = await startEmbeddedS3(home.s3, 0);
  s3 = createS3Client(embedded.endpoint);
});

afterAll(async () => {
  s3.destroy();
  await embedded.close();
  await home.remove();
});

const put = (Key: string, Body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) =>
  s3.send(new PutObjectCommand({ Bucket: embedded.bucket, Key, Body, ...condition }));

async function statusOf(write: Promise<unknown>): Promise<number> {
  try {
    await write;
    return 200;
  } catch (error) {
    if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode ?? 0;
    throw error;
  }
}

describe("the embedded S3's conditional PutObject, as S3 answers it", () => {
  it('creates with If-None-Match: * once, and answers 412 to the second', async () => {
    expect(await statusOf(put('locks/a', 'first', { IfNoneMatch: '*' }))).toBe(200);
    expect(await statusOf(put('locks/a', 'second', { IfNoneMatch: '*' }))).toBe(412);
  });

  it('lets exactly one of 20 concurrent If-None-Match: * writes of one key through', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => statusOf(put('locks/race', `${index}`, { IfNoneMatch: '*' }))),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
  });

  it('replaces with If-Match only while the ETag is the current one', async () => {
    const created = await put('locks/b', 'one');
    const replaced = await put('locks/b', 'two', { IfMatch: created.ETag ?? '' });
    expect(replaced.ETag).not.toBe(created.ETag);
    expect(await statusOf(put('locks/b', 'three', { IfMatch: created.ETag ?? '' }))).toBe(412);
    expect(await statusOf(put('locks/missing', 'x', { IfMatch: created.ETag ?? '' }))).toBe(412);
  });
});
