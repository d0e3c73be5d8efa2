import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3Client, type EmbeddedS3, S3RVER_CREDENTIALS, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { encodeEntries } from '#local/firehose/buffer-journal';
import { FirehoseEmulation } from '#local/firehose/firehose-emulation';
import { defineTenant } from '#shared/config/tenant-config';
import { DownstreamUnavailableError } from '#shared/contract/errors';
import type { DeliveryBatch } from '#shared/ports/delivery-port';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { NoBodyHashing } from './support/no-body-hashing.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    orders: { payload: 'json', deadLetter: true, buffering: { seconds: 900, mebibytes: 1 } },
    profiles: { payload: 'xml', compression: 'gzip' },
  },
});

let home: Awaited<ReturnType<typeof tempHome>>;
let s3: EmbeddedS3;
let client: S3Client;

beforeEach(async () => {
  home = await tempHome();
  s3 = await startEmbeddedS3(home.s3);
  client = createS3Client(s3.endpoint);
});

afterEach(async () => {
  await s3.close();
  await home.remove();
});

const emulation = (overrides: { s3?: S3Client; flushSeconds?: number } = {}) =>
  new FirehoseEmulation({
    tenant,
    s3: overrides.s3 ?? client,
    bucket: s3.bucket,
    journalDirectory: home.buffers,
    ...(overrides.flushSeconds === undefined ? {} : { flushSeconds: overrides.flushSeconds }),
  });

/** An emulation that keeps what it warns of. */
const warningEmulation = () => {
  const warnings: string[] = [];
  const delivery = new FirehoseEmulation({
    tenant,
    s3: client,
    bucket: s3.bucket,
    journalDirectory: home.buffers,
    log: { info: () => undefined, warn: (message) => warnings.push(message) },
  });
  return { delivery, warnings };
};

const batch = (streamId: string, lines: string[], channel: DeliveryBatch['channel'] = 'records'): DeliveryBatch => ({
  streamId,
  channel,
  records: lines.map((line) => Buffer.from(`${line}\n`)),
  deadlineAt: Date.now() + 10_000,
});

async function objects(prefix: string): Promise<{ key: string; body: Buffer }[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return Promise.all(
    (listed.Contents ?? []).map(async ({ Key }) => {
      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }));
      return { key: Key ?? '', body: Buffer.from((await object.Body?.transformToByteArray()) ?? []) };
    }),
  );
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const value = await probe();
    if (done(value) || attempt > 200) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Firehose emulation', () => {
  it('writes one object per flush under the stream prefix with the NDJSON extension', async () => {
    const delivery = emulation();
    await delivery.deliver(batch('orders', ['{"n":1}', '{"n":2}']));
    await delivery.deliver(batch('orders', ['{"n":3}']));
    expect(await objects('streams/')).toEqual([]);
    await delivery.flushAll();
    const [object, ...others] = await objects('streams/orders/');
    expect(others).toEqual([]);
    expect(object?.key).toMatch(
      /^streams\/orders\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/sluice\.example\.orders-1-[\d-]{19}-[0-9a-f-]{36}\.ndjson$/,
    );
    expect(object?.body.toString()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('flushes on its own once the buffer holds buffering.mebibytes', async () => {
    const delivery = emulation();
    const line = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 17; i += 1) await delivery.deliver(batch('orders', [`"${line}"`]));
    const landed = await eventually(
      () => objects('streams/orders/'),
      (found) => found.length === 1,
    );
    expect(landed).toHaveLength(1);
    await delivery.flushAll();
  });

  it('flushes on its own after the buffering interval (--flush-seconds)', async () => {
    const delivery = emulation({ flushSeconds: 0.05 });
    await delivery.deliver(batch('orders', ['{"n":1}']));
    const landed = await eventually(
      () => objects('streams/orders/'),
      (found) => found.length === 1,
    );
    expect(landed.map((object) => object.body.toString())).toEqual(['{"n":1}\n']);
    await delivery.flushAll();
  });

  it('writes dead-letter records under dlq/ and gzips a gzip stream with a .gz extension', async () => {
    const delivery = emulation();
    await delivery.deliver(batch('orders', ['{"reason":"bad"}'], 'dead-letter'));
    await delivery.deliver({
      streamId: 'profiles',
      channel: 'records',
      records: [Buffer.from([0xa0])],
      deadlineAt: Date.now() + 1000,
    });
    await delivery.flushAll();
    const [dead] = await objects('dlq/orders/');
    expect(dead?.key).toMatch(/\/sluice\.example\.orders\.dlq-1-.*\.ndjson$/);
    expect(dead?.body.toString()).toBe('{"reason":"bad"}\n');
    const [profile] = await objects('streams/profiles/');
    expect(profile?.key).toMatch(/\.cbor\.gz$/);
    expect(gunzipSync(profile?.body ?? Buffer.alloc(0))).toEqual(Buffer.from([0xa0]));
  });

  it('delivers what an earlier process acknowledged but never flushed (a crash)', async () => {
    const crashed = emulation();
    await crashed.deliver(batch('orders', ['{"n":1}']));
    await crashed.deliver(batch('orders', ['{"n":2}']));
    expect(await readdir(home.buffers)).toHaveLength(1);
    // The first emulation is abandoned without a flush, as a killed process would be.
    const restarted = emulation();
    expect(await restarted.replay()).toBe(2);
    await restarted.settled();
    expect((await objects('streams/orders/')).map((object) => object.body.toString())).toEqual(['{"n":1}\n{"n":2}\n']);
    expect(await readdir(home.buffers)).toEqual([]);
  });

  it('removes the empty journal segments a crash left, of any stream, and writes nothing for them', async () => {
    await mkdir(home.buffers, { recursive: true });
    const empty = [
      'orders~records~1767225600000~01900000-0000-7000-8000-000000000001.journal',
      'removed~records~1767225600000~01900000-0000-7000-8000-000000000002.journal',
    ];
    for (const name of empty) await writeFile(join(home.buffers, name), '');
    const { delivery: restarted, warnings } = warningEmulation();
    expect(await restarted.replay()).toBe(0);
    await restarted.settled();
    expect(await readdir(home.buffers)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(await objects('streams/')).toEqual([]);
  });

  it('signs an upload without hashing its body itself (that hash is made on the thread pool)', async () => {
    const strict = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      sha256: NoBodyHashing,
    });
    const delivery = emulation({ s3: strict });
    await delivery.deliver(
      batch(
        'orders',
        Array.from({ length: 100 }, (_, n) => `{"n":${n},"pad":"${'x'.repeat(100)}"}`),
      ),
    );
    await delivery.flushAll();
    const [object] = await objects('streams/orders/');
    expect(object?.body.toString().split('\n')).toHaveLength(101);
  });

  it('keeps, and does not choke on, a journal named after an Object.prototype member', async () => {
    const name = 'constructor~records~1767225600000~01900000-0000-7000-8000-000000000000.journal';
    await mkdir(home.buffers, { recursive: true });
    await writeFile(join(home.buffers, name), encodeEntries([Buffer.from('{"n":1}\n')]));
    const { delivery: restarted, warnings } = warningEmulation();
    expect(await restarted.replay()).toBe(0);
    expect(warnings.join('\n')).toContain('the tenant has no stream constructor');
    expect(await readdir(home.buffers)).toEqual([name]);
  });

  it('rejects deliver() when the journal cannot be fsynced, and keeps that record out of the batch', async () => {
    const probe = await open(join(home.root, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const datasync = vi.spyOn(fileHandle, 'datasync').mockRejectedValueOnce(new Error('EIO: i/o error, fdatasync'));
    const delivery = emulation();
    try {
      await expect(delivery.deliver(batch('orders', ['{"n":1}']))).rejects.toBeInstanceOf(DownstreamUnavailableError);
      expect(datasync).toHaveBeenCalledTimes(1);
    } finally {
      datasync.mockRestore();
    }
    await delivery.deliver(batch('orders', ['{"n":2}']));
    await delivery.flushAll();
    expect((await objects('streams/orders/')).map((object) => object.body.toString())).toEqual(['{"n":2}\n']);
  });

  it('resolves deliver() only after the journal is fsynced', async () => {
    const probe = await open(join(home.root, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    let release: () => void = () => undefined;
    const synced = new Promise<void>((resolve) => {
      release = resolve;
    });
    const datasync = vi.spyOn(fileHandle, 'datasync').mockImplementationOnce(() => synced);
    try {
      let acknowledged = false;
      const delivering = emulation()
        .deliver(batch('orders', ['{"n":1}']))
        .then(() => {
          acknowledged = true;
        });
      await vi.waitFor(() => expect(datasync).toHaveBeenCalled());
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(acknowledged).toBe(false);
      release();
      await delivering;
      expect(acknowledged).toBe(true);
    } finally {
      datasync.mockRestore();
    }
  });

  it('replays a dead-letter journal left by a crash into dlq/<stream>/ exactly once', async () => {
    const crashed = emulation();
    await crashed.deliver(batch('orders', ['{"reason":"bad","n":1}', '{"reason":"bad","n":2}'], 'dead-letter'));
    const [segment = ''] = await readdir(home.buffers);
    expect(segment).toMatch(/^orders~dead-letter~/);
    // The first emulation is abandoned without a flush, as a killed process would be.
    const restarted = emulation();
    expect(await restarted.replay()).toBe(2);
    await restarted.settled();
    const dead = await objects('dlq/orders/');
    expect(dead.map((object) => object.body.toString())).toEqual(['{"reason":"bad","n":1}\n{"reason":"bad","n":2}\n']);
    expect(dead[0]?.key).toMatch(/\/sluice\.example\.orders\.dlq-1-.*\.ndjson$/);
    expect(await objects('streams/orders/')).toEqual([]);
    expect(await readdir(home.buffers)).toEqual([]);
    // A second start finds nothing left to replay, and the object is still the only one.
    const again = emulation();
    expect(await again.replay()).toBe(0);
    await again.settled();
    expect(await objects('dlq/orders/')).toHaveLength(1);
  });

  it('keeps a batch whose put failed and writes it on a later attempt', async () => {
    let failures = 2;
    const flaky = {
      send: (command: Parameters<S3Client['send']>[0]) => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('S3 is down'));
        }
        return client.send(command);
      },
    } as unknown as S3Client;
    const delivery = emulation({ s3: flaky, flushSeconds: 0 });
    await delivery.deliver(batch('orders', ['{"n":1}']));
    const landed = await eventually(
      () => objects('streams/orders/'),
      (found) => found.length === 1,
    );
    expect(landed.map((object) => object.body.toString())).toEqual(['{"n":1}\n']);
    expect(failures).toBe(0);
    await delivery.flushAll();
  });

  it('leaves the journal on disk when S3 cannot take a batch at shutdown', async () => {
    const down = { send: () => Promise.reject(new Error('S3 is down')) } as unknown as S3Client;
    const delivery = emulation({ s3: down });
    await delivery.deliver(batch('orders', ['{"n":1}']));
    await expect(delivery.flushAll()).rejects.toThrow(/journals stay/);
    const restarted = emulation();
    expect(await restarted.replay()).toBe(1);
    await restarted.settled();
    expect(await objects('streams/orders/')).toHaveLength(1);
  });

  it('rewrites the same object, not a copy, when a journal outlives its upload (a crash before its removal)', async () => {
    const delivery = emulation();
    await delivery.deliver(batch('orders', ['{"n":1}']));
    const [segment = ''] = await readdir(home.buffers);
    const journal = await readFile(join(home.buffers, segment));
    await delivery.flushAll();
    const [written] = await objects('streams/orders/');
    // The process died after the put and before the journal was removed: put it back.
    await writeFile(join(home.buffers, segment), journal);
    const restarted = emulation();
    expect(await restarted.replay()).toBe(1);
    await restarted.settled();
    const landed = await objects('streams/orders/');
    expect(landed.map((object) => object.key)).toEqual([written?.key]);
    expect(await readdir(home.buffers)).toEqual([]);
  });
});
