/**
 * Issue 21 §6 at the runner: the records at the saved cursor that a `>=` API sends again are
 * skipped, by the source's id or, without one, by the record's text; the remembered ids are capped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceConfigInput } from '#shared/config/source-config';
import { MAX_BOUNDARY_IDS } from '#shared/pull/state-limits';
import { FakeApi, pagedApi } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const INCREMENTAL = {
  incremental: { cursor: '/updated_at', param: 'since', initial: '2024-01-01T00:00:00Z' },
  records: '/items',
  paginate: { type: 'page', param: 'page', totalPages: '/total_pages' },
} as const;

/** `count` records from `from` on, all updated at `at` (pagedApi filters `updated_at >= since`). */
const at = (at: string, count: number, from: number) =>
  Array.from({ length: count }, (_, i) => `{"id":${from + i},"n":${from + i},"updated_at":"${at}"}`);

async function runs(input: Partial<SourceConfigInput>, batches: readonly (readonly string[])[]) {
  let data: string[] = [];
  api = await FakeApi.start(pagedApi('page', () => data, 500));
  const store = new MemoryStateStore();
  const delivery = new RecordingDelivery();
  const landed: number[] = [];
  for (const [index, batch] of batches.entries()) {
    data = [...data, ...batch];
    const summary = await runPull(
      {
        tenant: 't',
        source: source({ request: { url: api.url('/items') }, ...INCREMENTAL, ...input }),
        stream: stream(),
        runId: `run-${index}`,
      },
      { store, secrets: secrets(), delivery },
    );
    expect(summary.status).toBe('succeeded');
    landed.push(summary.records);
  }
  return { landed, ns: delivery.records().map((record) => record.n), store };
}

describe('records at the saved cursor', () => {
  it('are skipped on the next runs by the id at the source id pointer', async () => {
    const { landed, ns } = await runs({ id: '/id' }, [
      at('2024-05-01T00:00:00Z', 3, 0),
      at('2024-05-01T00:00:00Z', 1, 3),
      at('2024-05-02T00:00:00Z', 2, 4),
      [],
    ]);
    // The second run gets 0-3 again (`>=`) and lands only 3; the third gets 4 and 5 only.
    expect(landed).toEqual([3, 1, 2, 0]);
    expect(ns).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('are skipped by a hash of the record when the source has no id pointer, and land again when changed', async () => {
    const first = at('2024-05-01T00:00:00Z', 2, 0);
    const changed = '{"id":1,"n":10,"updated_at":"2024-05-01T00:00:00Z"}';
    const { landed, ns } = await runs({}, [first, [changed], []]);
    expect(landed).toEqual([2, 1, 0]);
    expect(ns).toEqual([0, 1, 10]);
  });

  it(`remember ${MAX_BOUNDARY_IDS} ids at most: one record past the cap at one cursor value lands again`, async () => {
    const { landed, store } = await runs({ id: '/id', maxRecordsPerPage: 2_000 }, [
      at('2024-05-01T00:00:00Z', MAX_BOUNDARY_IDS + 1, 0),
      [],
    ]);
    expect(landed).toEqual([MAX_BOUNDARY_IDS + 1, 1]);
    expect((await store.read('src'))?.cursorIds).toHaveLength(MAX_BOUNDARY_IDS);
  });

  it(`remember all ${MAX_BOUNDARY_IDS} ids at the cap: nothing lands again`, async () => {
    const { landed } = await runs({ id: '/id', maxRecordsPerPage: 2_000 }, [
      at('2024-05-01T00:00:00Z', MAX_BOUNDARY_IDS, 0),
      [],
    ]);
    expect(landed).toEqual([MAX_BOUNDARY_IDS, 0]);
  });

  it('are not skipped by a full refresh', async () => {
    const data = at('2024-05-01T00:00:00Z', 2, 0);
    api = await FakeApi.start(pagedApi('page', () => data, 500));
    const store = new MemoryStateStore();
    const run = (runId: string, fullRefresh = false) =>
      runPull(
        {
          tenant: 't',
          source: source({ request: { url: (api as FakeApi).url('/items') }, ...INCREMENTAL, id: '/id' }),
          stream: stream(),
          runId,
          ...(fullRefresh ? { fullRefresh } : {}),
        },
        { store, secrets: secrets(), delivery: new RecordingDelivery() },
      );
    await run('run-1');
    expect((await run('run-2', true)).records).toBe(2);
  });
});
