import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { type DeadLetterEntry, parseDeadLetterLine } from '#cli/dlq/dead-letter-reader';
import { replayDeadLetters } from '#cli/dlq/dead-letter-replay';
import type { LedgerEntry } from '#cli/dlq/replay-ledger';
import { defineTenant } from '#shared/config/tenant-config';
import type { DeliveryBatch } from '#shared/ports/delivery-port';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    orders: { payload: 'json', batch: true, deadLetter: true, schema: v.object({ id: v.string() }) },
    profiles: { payload: 'xml', projection: 'json', deadLetter: true },
  },
});
const orders = tenant.streams.orders as NonNullable<typeof tenant.streams.orders>;
const profiles = tenant.streams.profiles as NonNullable<typeof tenant.streams.profiles>;

function line(record: string, index: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    tenant: 'example',
    stream: 'orders',
    request_id: 'req',
    received_at: '2025-01-01T10:00:00.000Z',
    index,
    problem: 'urn:sluice:problem:schema-violation',
    reasons: [{ path: '/id', message: 'Invalid type' }],
    record,
    ...extra,
  });
}

function entries(lines: readonly string[]): DeadLetterEntry[] {
  return lines.map((text, index) => parseDeadLetterLine('dlq/orders/x.ndjson', index + 1, text));
}

/** A delivery that keeps what it was given, and a ledger in memory; either may be told to fail once. */
function harness() {
  const delivered: DeliveryBatch[] = [];
  const ledger = new Map<string, LedgerEntry>();
  let failLedgerAtChunk: number | undefined;
  return {
    delivered,
    ledger,
    failLedgerAt(chunk: number) {
      failLedgerAtChunk = chunk;
    },
    delivery: {
      deliver: async (batch: DeliveryBatch) => {
        delivered.push(batch);
      },
    },
    writer: {
      record: async (_run: string, chunk: number, written: readonly LedgerEntry[]) => {
        if (chunk === failLedgerAtChunk) {
          failLedgerAtChunk = undefined;
          throw new Error('killed before the ledger write');
        }
        for (const entry of written) ledger.set(entry.id, entry);
      },
    },
  };
}

const texts = (batches: readonly DeliveryBatch[], channel = 'records') =>
  batches
    .filter((batch) => batch.channel === channel)
    .flatMap((batch) => batch.records.map((r) => Buffer.from(r).toString()));

describe('replayDeadLetters', () => {
  it('redelivers only the chunk in flight when a run stops between its acknowledgement and its ledger entry', async () => {
    const selection = entries(Array.from({ length: 7 }, (_, index) => line(`{"id":"r${index}"}`, index)));
    const run = harness();
    run.failLedgerAt(2);
    const request = {
      stream: orders,
      entries: selection,
      delivery: run.delivery,
      ledger: run.writer,
      progress: () => undefined,
      chunkLimits: { records: 3, bytes: 1_000_000 },
    };
    await expect(replayDeadLetters({ ...request, replayed: run.ledger, run: 'first' })).rejects.toThrow('killed');
    const again = await replayDeadLetters({ ...request, replayed: new Map(run.ledger), run: 'second' });
    expect(again.replayed).toBe(4);
    expect(again.skipped).toEqual({ 'already replayed': 3 });
    const landed = texts(run.delivered);
    // r3..r5 were in flight: delivered by the first run, not recorded, delivered again.
    expect(landed.filter((text) => text === '{"id":"r3"}\n')).toHaveLength(2);
    expect(new Set(landed).size).toBe(7);
    expect(landed).toHaveLength(7 + 3);
    expect(run.ledger.size).toBe(7);
  });

  it('skips truncated, pulled, unreadable and repeated dead letters, and counts what still fails by reason', async () => {
    const selection = entries([
      line('{"id":"a"}', 0),
      line('{"id":"a"}', 0),
      line('{"id":"b', 1, { record_truncated: true }),
      JSON.stringify({ tenant: 'example', stream: 'orders', source: 's', run: 'r', page: 1, reason: 'x', record: '1' }),
      'not json',
      line('{"id":1}', 2),
      line('{"id":2}', 3),
    ]);
    const run = harness();
    const summary = await replayDeadLetters({
      stream: orders,
      entries: selection,
      replayed: new Map(),
      run: 'r',
      delivery: run.delivery,
      ledger: run.writer,
      progress: () => undefined,
    });
    expect(summary.replayed).toBe(1);
    expect(summary.skipped).toEqual({ duplicate: 1, truncated: 1, pulled: 1, unreadable: 1 });
    expect(summary.stillRejected).toBe(2);
    expect(summary.reasons).toEqual([{ reason: 'schema-violation /id: Invalid type: Expected string', records: 2 }]);
    expect(texts(run.delivered)).toEqual(['{"id":"a"}\n']);
  });

  it('delivers an XML record and its JSON projection, as a post would, and nothing on a dry run', async () => {
    const xml = '<profile id="7"><name>Ada</name></profile>';
    const selection = entries([line(xml, 0)]);
    const run = harness();
    const request = { stream: profiles, entries: selection, replayed: new Map(), run: 'r', ledger: run.writer };
    const dry = await replayDeadLetters({ ...request, delivery: undefined, progress: () => undefined });
    expect(dry).toMatchObject({ dryRun: true, replayed: 1 });
    expect(run.delivered).toHaveLength(0);
    expect(run.ledger.size).toBe(0);
    await replayDeadLetters({ ...request, delivery: run.delivery, progress: () => undefined });
    expect(run.delivered.map((batch) => batch.channel)).toEqual(['records', 'json-projection']);
    expect(texts(run.delivered, 'json-projection')[0]).toContain('"name":"Ada"');
  });

  it("leaves a record over the stream's current maxBytes rejected", async () => {
    const small = { ...orders, maxBytes: 10 };
    const summary = await replayDeadLetters({
      stream: small,
      entries: entries([line('{"id":"long enough"}', 0)]),
      replayed: new Map(),
      run: 'r',
      delivery: harness().delivery,
      ledger: harness().writer,
      progress: () => undefined,
    });
    expect(summary.stillRejected).toBe(1);
    expect(summary.reasons[0]?.reason).toMatch(/^payload-too-large/);
  });
});
