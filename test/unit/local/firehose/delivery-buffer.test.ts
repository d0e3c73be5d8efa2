import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSegment } from '#local/firehose/buffer-journal';
import {
  type BatchToWrite,
  DeliveryBuffer,
  type DeliveryBufferOptions,
  SEGMENT_AHEAD_MAX_AGE_MS,
} from '#local/firehose/delivery-buffer';

const LIMIT = 10;

let root: string;
let journals: string;
let written: BatchToWrite[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-buffer-'));
  journals = join(root, 'buffers');
  written = [];
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(root, { recursive: true, force: true });
});

const landInMemory = async (batch: BatchToWrite) => {
  written.push(batch);
};

const buffer = (overrides: Partial<DeliveryBufferOptions> = {}) =>
  new DeliveryBuffer({
    streamId: 'orders',
    channel: 'records',
    journalDirectory: journals,
    limitBytes: LIMIT,
    intervalMs: 60_000,
    write: landInMemory,
    ...overrides,
  });

const bytes = (count: number, fill = 'x') => Buffer.from(fill.repeat(count));
const texts = () => written.map((batch) => batch.records.map((record) => Buffer.from(record).toString()));
const segments = async () => readdir(journals).catch(() => []);

describe('a delivery buffer', () => {
  it('seals a batch when its interval has passed since its first record, and not a millisecond before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const orders = buffer({ intervalMs: 5_000 });
    await orders.append([bytes(1, 'a')]);
    await orders.append([bytes(1, 'b')]);
    vi.advanceTimersByTime(4_999);
    await orders.settled();
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    await orders.settled();
    expect(texts()).toEqual([['a', 'b']]);
  });

  it('stays open while the batch holds one byte less than the limit', async () => {
    const orders = buffer();
    await orders.append([bytes(LIMIT - 1)]);
    await orders.settled();
    expect(written).toEqual([]);
    // Its own segment and, as it holds more than half its limit, the next batch's.
    expect(await segments()).toHaveLength(2);
    await orders.drain();
  });

  it('seals a batch as soon as it holds exactly the limit', async () => {
    const orders = buffer();
    await orders.append([bytes(LIMIT - 1, 'a')]);
    await orders.append([bytes(1, 'b')]);
    await orders.settled();
    expect(texts()).toEqual([['a'.repeat(LIMIT - 1), 'b']]);
    // The landed batch's segment is gone; the one left is the next batch's, empty.
    const left = await segments();
    expect(left).toHaveLength(1);
    expect((await readSegment(join(journals, left[0] as string))).records).toEqual([]);
    await orders.drain();
    expect(await segments()).toEqual([]);
  });

  it('keeps the record that takes a batch one byte over the limit in that batch, and starts the next afresh', async () => {
    const orders = buffer();
    await orders.append([bytes(LIMIT - 1, 'a')]);
    await orders.append([bytes(2, 'b')]);
    await orders.append([bytes(1, 'c')]);
    await orders.settled();
    expect(texts()).toEqual([['a'.repeat(LIMIT - 1), 'bb']]);
    await orders.drain();
    expect(texts()).toEqual([['a'.repeat(LIMIT - 1), 'bb'], ['c']]);
  });

  it("creates the next batch's segment once the batch holds half its limit, and not a byte before", async () => {
    const orders = buffer();
    await orders.append([bytes(LIMIT / 2 - 1)]);
    await orders.settled();
    expect(await segments()).toHaveLength(1);
    await orders.append([bytes(1)]);
    await orders.settled();
    expect(await segments()).toHaveLength(2);
    await orders.drain();
    expect(await segments()).toEqual([]);
  });

  it('puts the batch after a full one into the segment created ahead, dated when that segment was made', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const orders = buffer();
    await orders.append([bytes(LIMIT / 2, 'a')]);
    await orders.settled();
    const beforeTheSeal = await segments();
    vi.setSystemTime(1_000_000 + SEGMENT_AHEAD_MAX_AGE_MS);
    await orders.append([bytes(LIMIT / 2, 'b')]);
    await orders.append([bytes(1, 'c')]);
    await orders.drain();
    expect(texts()).toEqual([['a'.repeat(LIMIT / 2), 'b'.repeat(LIMIT / 2)], ['c']]);
    expect(written.map((batch) => batch.firstArrival)).toEqual([1_000_000, 1_000_000]);
    // Both batches' segments existed before the first was sealed: the second was made ahead.
    expect(beforeTheSeal.sort()).toEqual(
      written.map((batch) => `orders~records~1000000~${batch.batchId}.journal`).sort(),
    );
  });

  it('removes a segment created ahead that is older than the next batch may take, and makes a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const orders = buffer();
    await orders.append([bytes(LIMIT, 'a')]);
    await orders.settled();
    const [ahead, ...others] = await segments();
    expect(ahead).toBeDefined();
    expect(others).toEqual([]);
    vi.setSystemTime(1_000_000 + SEGMENT_AHEAD_MAX_AGE_MS + 1);
    await orders.append([bytes(1, 'b')]);
    await orders.settled();
    // The old one is removed in the background.
    const now = await vi.waitFor(async () => {
      const names: string[] = await segments();
      if (names.includes(ahead as string)) throw new Error('not removed yet');
      return names;
    });
    expect(now).toHaveLength(1);
    await orders.drain();
    expect(written.map((batch) => batch.firstArrival)).toEqual([1_000_000, 1_000_000 + SEGMENT_AHEAD_MAX_AGE_MS + 1]);
    expect(await segments()).toEqual([]);
  });

  it('makes no segment ahead once drained', async () => {
    const orders = buffer();
    await orders.drain();
    await orders.append([bytes(LIMIT / 2)]);
    await orders.settled();
    expect(await segments()).toHaveLength(1);
  });

  it('puts the batch after one sealed by its timer into the segment made ahead while it is young enough', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_000_000);
    const orders = buffer({ intervalMs: 500 });
    await orders.append([bytes(LIMIT / 2, 'a')]);
    await orders.settled();
    vi.advanceTimersByTime(500);
    await orders.settled();
    expect(texts()).toEqual([['a'.repeat(LIMIT / 2)]]);
    await orders.append([bytes(1, 'b')]);
    await orders.drain();
    expect(written.map((batch) => batch.firstArrival)).toEqual([1_000_000, 1_000_000]);
  });

  it('lands a batch below every limit when it is drained (close), and removes its journal', async () => {
    const orders = buffer();
    await orders.append([bytes(1, 'a')]);
    expect(written).toEqual([]);
    await orders.drain();
    expect(texts()).toEqual([['a']]);
    expect(await segments()).toEqual([]);
  });

  it('keeps the journal segment of a batch whose write failed, and writes the same batch again', async () => {
    let failed: () => void = () => undefined;
    const firstFailure = new Promise<void>((resolve) => {
      failed = resolve;
    });
    const warnings: string[] = [];
    let attempts = 0;
    const orders = buffer({
      warn: (message) => warnings.push(message),
      write: async (batch) => {
        attempts += 1;
        if (attempts === 1) {
          failed();
          throw new Error('S3 is down');
        }
        await landInMemory(batch);
      },
    });
    await orders.append([bytes(1, 'a')]);
    const sealing = orders.seal();
    await firstFailure;
    expect(await segments()).toHaveLength(1);
    await sealing;
    await orders.settled();
    expect(attempts).toBe(2);
    expect(texts()).toEqual([['a']]);
    expect(warnings.join('\n')).toContain('could not write a batch of orders (records) to S3, retrying in 250 ms');
    expect(await segments()).toEqual([]);
  });

  it('puts a record that arrives while a sealed batch uploads into a new batch', async () => {
    let uploading: () => void = () => undefined;
    const uploadStarted = new Promise<void>((resolve) => {
      uploading = resolve;
    });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const orders = buffer({
      write: async (batch) => {
        if (written.length === 0) {
          uploading();
          await released;
        }
        await landInMemory(batch);
      },
    });
    await orders.append([bytes(1, 'a')]);
    await orders.seal();
    await uploadStarted;
    await orders.append([bytes(1, 'b')]);
    // The uploading batch's segment and the new batch's segment are both on disk.
    expect(await segments()).toHaveLength(2);
    release();
    await orders.drain();
    expect(texts()).toEqual([['a'], ['b']]);
    expect(written[0]?.batchId).not.toBe(written[1]?.batchId);
    expect(await segments()).toEqual([]);
  });
});

describe('a delivery buffer with keyed posts', () => {
  const answer = (key: string) => ({ streamId: 'orders', key, digest: 'd', answer: { statusCode: 202 } });

  it('lands the records without their answers, and completes the keys before removing the segment', async () => {
    const completed: string[][] = [];
    const orders = buffer({
      completeKeys: async (answers) => {
        // The segment is still there while the keys are completed: a crash here replays it.
        expect(await segments()).toHaveLength(1);
        completed.push(answers.map((keyed) => keyed.key));
      },
    });
    await orders.append([bytes(1, 'a')], answer('k-1'));
    await orders.append([bytes(1, 'b')]);
    await orders.drain();
    expect(texts()).toEqual([['a', 'b']]);
    expect(completed).toEqual([['k-1']]);
    expect(await segments()).toEqual([]);
  });

  it('keeps a landed segment that holds answers when it has nowhere to complete them', async () => {
    const orders = buffer({ warn: () => {} });
    await orders.append([bytes(1, 'a')], answer('k-1'));
    await orders.drain();
    expect(texts()).toEqual([['a']]);
    expect(await segments()).toHaveLength(1);
  });
});
