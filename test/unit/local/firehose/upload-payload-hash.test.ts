import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { withPayloadHash } from '#local/firehose/upload-payload-hash';
import { NoBodyHashing } from './support/no-body-hashing.ts';

interface SentRequest {
  readonly headers: Record<string, string>;
}

/** An S3 client whose transport keeps the signed request and answers 200; `strict`: its signer may not hash a body. */
function capturingClient(sent: SentRequest[], strict = true): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(strict ? { sha256: NoBodyHashing } : {}),
    requestHandler: {
      handle: async (request: SentRequest) => {
        sent.push(request);
        return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
      },
    },
  });
}

const sha256Hex = (body: Uint8Array) => createHash('sha256').update(body).digest('hex');

describe('an upload with its payload hash computed ahead', () => {
  it('is signed over the SHA-256 of its body, the hash the signer would have computed', async () => {
    const body = Buffer.from('{"id":1}\n'.repeat(50_000));
    const sent: SentRequest[] = [];
    const plain: SentRequest[] = [];
    const input = { Bucket: 'sluice', Key: 'a/b.ndjson', Body: body };
    await capturingClient(sent).send(await withPayloadHash(new PutObjectCommand(input), body));
    await capturingClient(plain, false).send(new PutObjectCommand(input));
    await expect(capturingClient([]).send(new PutObjectCommand(input))).rejects.toThrow(/the signer hashed/);
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe(sha256Hex(body));
    expect(plain[0]?.headers['x-amz-content-sha256']).toBe(sha256Hex(body));
    // The signed headers name it, so the signature covers the hash given.
    expect(sent[0]?.headers.authorization).toContain('x-amz-content-sha256');
  });

  it('is the hash the signer uses: it does not hash the body again', async () => {
    const sent: SentRequest[] = [];
    const command = new PutObjectCommand({ Bucket: 'sluice', Key: 'k', Body: Buffer.from('sent') });
    await capturingClient(sent).send(await withPayloadHash(command, Buffer.from('hashed')));
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe(sha256Hex(Buffer.from('hashed')));
  });

  it('hashes an empty body as the signer does', async () => {
    const sent: SentRequest[] = [];
    const body = new Uint8Array();
    await capturingClient(sent).send(
      await withPayloadHash(new PutObjectCommand({ Bucket: 'sluice', Key: 'empty', Body: body }), body),
    );
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe(sha256Hex(body));
  });
});
