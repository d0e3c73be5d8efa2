import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { encode } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { createS3Client, LOCAL_BUCKET, S3RVER_FILE_SUFFIXES, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { sluiceHome } from '#local/sluice-home';
import { recordsPrefix, renderPrefix } from '#shared/contract/storage-layout';
import { captureIo } from '../io-capture.ts';

let root: string;
let prefix: string;
const env = () => ({ SLUICE_HOME: join(root, '.sluice') });

// Objects put through the embedded S3 itself, so the files are laid out as s3rver keeps them;
// it is closed before the commands run, so they find no server to ask.
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-batches-local-'));
  const s3Folder = sluiceHome('example', env(), root).s3;
  const s3 = await startEmbeddedS3(s3Folder, 0);
  const client = createS3Client(s3.endpoint);
  prefix = renderPrefix(recordsPrefix('orders'), new Date('2026-01-01T10:00:00Z'));
  const xmlPrefix = renderPrefix(recordsPrefix('profiles'), new Date('2026-01-01T10:00:00Z'));
  const objects: Record<string, string | Uint8Array> = {
    [`${prefix}sluice-example-orders-1-a.ndjson`]: '{"order_id":"a"}\n{"order_id":"b"}\n',
    [`${prefix}sluice-example-orders-1-b.ndjson.gz`]: gzipSync('{"order_id":"c"}\n'),
    [`${prefix}sluice-example-orders-1-c.ndjson`]: '{"order_id":"still-being-written"}\n',
    [`${xmlPrefix}sluice-example-profiles-1-a.cbor`]: Buffer.concat([encode({ id: 'p-1' }), encode({ id: 'p-2' })]),
    [`streams/profiles/json/${xmlPrefix.slice('streams/profiles/'.length)}copy.ndjson`]: '{"id":"p-1"}\n',
  };
  try {
    for (const [key, body] of Object.entries(objects)) {
      await client.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: key, Body: body }));
    }
  } finally {
    client.destroy();
    await s3.close();
  }
  // As s3rver leaves an object it is still writing: the body stored, the metadata not yet.
  await rm(join(s3Folder, LOCAL_BUCKET, `${prefix}sluice-example-orders-1-c.ndjson${S3RVER_FILE_SUFFIXES.metadata}`));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function batches(...args: string[]) {
  const captured = captureIo({ env: env(), cwd: root });
  const code = await runCli(['batches', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('sluice batches with no dev server running', () => {
  it('cat prints every complete landed record of the stream in key order, gzipped ones too', async () => {
    expect(await batches('cat', 'orders')).toEqual({
      code: 0,
      stdout: '{"order_id":"a"}\n{"order_id":"b"}\n{"order_id":"c"}\n',
      stderr: '',
    });
  });

  it('ls lists each complete object with its records and stored bytes', async () => {
    const { code, stdout } = await batches('ls', 'orders');
    expect(code).toBe(0);
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      `${prefix}sluice-example-orders-1-a.ndjson\t2\t34`,
      expect.stringMatching(new RegExp(`^${prefix}sluice-example-orders-1-b\\.ndjson\\.gz\\t1\\t\\d+$`)),
    ]);
  });

  it("cat decodes an XML stream's CBOR items and leaves out its JSON projection's copies", async () => {
    expect((await batches('cat', 'profiles')).stdout).toBe('{"id":"p-1"}\n{"id":"p-2"}\n');
  });

  it('says when a stream has no batches yet', async () => {
    expect(await batches('cat', 'events')).toEqual({ code: 0, stdout: '', stderr: 'no batches of events yet\n' });
  });

  it('export writes every complete record of the stream, gzipped and CBOR objects decoded, from the data folder', async () => {
    const orders = join(root, 'orders.ndjson');
    const exported = await batches('export', 'orders', '--format', 'ndjson', '--out', orders);
    expect(exported).toEqual({
      code: 0,
      stdout: '',
      stderr: `3 records (from 2 batches) of orders written to ${orders} (ndjson)\n`,
    });
    expect(await readFile(orders, 'utf8')).toBe('{"order_id":"a"}\n{"order_id":"b"}\n{"order_id":"c"}\n');
    const profiles = join(root, 'profiles.ndjson');
    expect((await batches('export', 'profiles', '--format', 'ndjson', '--out', profiles)).code).toBe(0);
    expect(await readFile(profiles, 'utf8')).toBe('{"id":"p-1"}\n{"id":"p-2"}\n');
  });
});
