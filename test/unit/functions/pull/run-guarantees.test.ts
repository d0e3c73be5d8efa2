import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runPullSlice } from '#functions/pull/run-pull';
import type { SourceConfigInput } from '#shared/config/source-config';
import { SourceBusyError } from '#shared/pull/pull-run';
import { FakeApi, type FakeRoute, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const CURSOR = {
  records: '/results',
  paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
} as const;

interface PullOptions {
  clock?: FakeClock;
  store?: MemoryStateStore;
  delivery?: RecordingDelivery;
  runId?: string;
  fullRefresh?: boolean;
  deadLetter?: boolean;
  onPage?: (page: { page: number }) => void;
}

function request(input: Partial<SourceConfigInput>, options: PullOptions = {}) {
  return {
    tenant: 't',
    source: source({ request: { url: (api as FakeApi).url('/items') }, id: '/id', ...input }),
    stream: stream(options.deadLetter ?? true),
    runId: options.runId ?? 'run-1',
    ...(options.fullRefresh ? { fullRefresh: true } : {}),
  };
}

function deps(options: PullOptions) {
  const clock = options.clock ?? new FakeClock();
  return {
    clock,
    store: options.store ?? new MemoryStateStore(clock.now),
    delivery: options.delivery ?? new RecordingDelivery(),
    secrets: secrets(),
    now: clock.now,
    sleep: clock.sleep,
    ...(options.onPage ? { onPage: options.onPage } : {}),
  };
}

async function pull(input: Partial<SourceConfigInput>, options: PullOptions = {}) {
  const d = deps(options);
  const summary = await runPull(request(input, options), d);
  return { summary, ...d };
}

describe('what lands', () => {
  it('lands each record as the API sent it, with _sluice first and big-int ids exact', async () => {
    api = await FakeApi.start(() => ({
      body: '{"items":[ {"id": 12345678901234567890, "price":1.10, "s":"a\\u00e9\\n", "z":1,"a":2} ,{ }]}',
    }));
    const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
    const { delivery } = await pull({ records: '/items' }, { clock });
    const digest = (text: string) => createHash('sha256').update(`src\n${text}`).digest('hex');
    expect(delivery.lines()).toEqual([
      `{"_sluice":{"source":"src","run":"run-1","page":1,"fetched_at":"2026-03-01T12:00:00.000Z","record_id":"${digest('12345678901234567890')}"},"id": 12345678901234567890, "price":1.10, "s":"a\\u00e9\\n", "z":1,"a":2}\n`,
      `{"_sluice":{"source":"src","run":"run-1","page":1,"fetched_at":"2026-03-01T12:00:00.000Z","record_id":"${digest('{ }')}"}}\n`,
    ]);
  });

  it('gives a record fetched twice the same record_id', async () => {
    const data = recordTexts(3);
    api = await FakeApi.start(pagedApi('none', () => data, 3));
    const first = await pull({});
    const second = await pull({}, { runId: 'run-2' });
    const ids = (delivery: RecordingDelivery) => delivery.records().map((record) => record._sluice.record_id);
    expect(ids(second.delivery)).toEqual(ids(first.delivery));
    expect(new Set(ids(first.delivery)).size).toBe(3);
  });

  it('sends records that are not JSON objects to the dead-letter output and lands the rest', async () => {
    api = await FakeApi.start(() => ({ body: '[{"id":1},42,"x",[1],null,{"id":2}]' }));
    const { summary, delivery } = await pull({});
    expect(summary).toMatchObject({ status: 'succeeded', records: 2 });
    const dead = delivery.lines('dead-letter').map((line) => JSON.parse(line));
    expect(dead.map((entry) => entry.record)).toEqual(['42', '"x"', '[1]', 'null']);
    expect(dead[0]).toMatchObject({ source: 'src', run: 'run-1', page: 1, reason: 'the record is not a JSON object' });
    expect(dead[0].url).toBe(api.url('/items'));
  });

  it('fails the run naming the page when a page is not JSON, and dead-letters the page', async () => {
    const data = recordTexts(6);
    const pages = pagedApi('cursor', () => data, 3);
    api = await FakeApi.start((req, fake) =>
      req.url.searchParams.get('after') === 'c3' ? { body: '<html>oops' } : pages(req, fake),
    );
    const { summary, delivery, store } = await pull(CURSOR);
    expect(summary).toMatchObject({ status: 'failed', pages: 1, records: 3 });
    expect(summary.reason).toBe(`page 2 of source src (${api.url('/items?after=c3')}): the page is not JSON`);
    expect(delivery.lines('dead-letter').map((line) => JSON.parse(line))).toMatchObject([
      { page: 2, reason: 'the page is not JSON', record: '<html>oops' },
    ]);
    // The committed position stays, so that the next run retries page 2 rather than page 1.
    expect((await store.read('src'))?.run?.position).toEqual({ cursor: 'c3' });
  });

  it('fails the run when records does not name an array, writing nothing when the stream has no dead-letter output', async () => {
    api = await FakeApi.start(() => ({ body: '{"results":{"not":"an array"}}' }));
    const { summary, delivery } = await pull({ records: '/results' }, { deadLetter: false });
    expect(summary.status).toBe('failed');
    expect(summary.reason).toMatch(
      /^page 1 of source src \(.*\): records "\/results" does not name an array in the page$/,
    );
    expect(delivery.batches).toEqual([]);
  });
});

describe('guarantees', () => {
  it('lands every record after a delivery failure and a rerun, twice only the page in flight at most', async () => {
    const data = recordTexts(20);
    api = await FakeApi.start(pagedApi('cursor', () => data, 4));
    const store = new MemoryStateStore();
    const delivery = new RecordingDelivery().failOn(3);
    const first = await pull(CURSOR, { store, delivery });
    expect(first.summary).toMatchObject({ status: 'failed', pages: 2, records: 8 });
    expect(first.summary.reason).toBe('page 3 of source src was not delivered: Firehose is unavailable');
    const second = await pull(CURSOR, { store, delivery, runId: 'run-2' });
    expect(second.summary).toMatchObject({ status: 'succeeded', pages: 3, records: 12 });
    expect(delivery.records().map((r) => r.n)).toEqual(data.map((_, i) => i));
  });

  it('resumes a run whose commit failed right after a page was delivered, landing that page twice and nothing else', async () => {
    const data = recordTexts(20);
    api = await FakeApi.start(pagedApi('cursor', () => data, 4));
    const clock = new FakeClock();
    const store = new MemoryStateStore(clock.now);
    const delivery = new RecordingDelivery();
    // A failure between the ack and the commit: the store refuses the third page's commit.
    const save = store.saveProgress.bind(store);
    let saves = 0;
    store.saveProgress = async (...args) => {
      if (++saves === 3) throw new Error('the table is unavailable');
      return save(...args);
    };
    const failed = await pull(CURSOR, { clock, store, delivery });
    expect(failed.summary).toMatchObject({ status: 'failed', end: 'state not saved', pages: 2 });
    store.saveProgress = save;
    // The failed run released its lease: the next run takes its position over at once.
    const rerun = await pull(CURSOR, { clock, store, delivery, runId: 'run-2' });
    expect(rerun.summary).toMatchObject({ status: 'succeeded', records: 12 });
    const landed = delivery.records().map((r) => r.n);
    expect(landed).toEqual([...data.map((_, i) => i).slice(0, 12), 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('refuses a second run of a source while one holds the lease, and says so', async () => {
    const data = recordTexts(8);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const serve = pagedApi('none', () => data, 8);
    api = await FakeApi.start(async (req, fake) => {
      await gate;
      return serve(req, fake);
    });
    const clock = new FakeClock();
    const store = new MemoryStateStore(clock.now);
    const running = pull({}, { clock, store, runId: 'run-a' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(pull({}, { clock, store, runId: 'run-b' })).rejects.toThrow(SourceBusyError);
    await expect(pull({}, { clock, store, runId: 'run-b' })).rejects.toThrow(
      /source src is already running \(run run-a/,
    );
    release();
    expect((await running).summary.status).toBe('succeeded');
    expect(api.requests).toHaveLength(1);
  });

  it('fetches only new and updated records in a second incremental run, from the highest cursor minus the lookback', async () => {
    let data = recordTexts(6, 0, (i) => `2024-05-01T00:00:0${i}Z`);
    api = await FakeApi.start(pagedApi('cursor', () => data, 4));
    const store = new MemoryStateStore();
    const input = {
      ...CURSOR,
      incremental: { cursor: '/updated_at', param: 'since', initial: '2024-01-01T00:00:00Z', lookbackSeconds: 2 },
    };
    const first = await pull(input, { store });
    expect(first.summary).toMatchObject({ status: 'succeeded', records: 6, nextCursor: '2024-05-01T00:00:05Z' });
    expect(api.requests[0]?.url.searchParams.get('since')).toBe('2024-01-01T00:00:00Z');
    data = [...data, ...recordTexts(2, 6, (i) => `2024-05-01T00:00:0${i}Z`)];
    const second = await pull(input, { store, runId: 'run-2' });
    expect(api.requests.at(-1)?.url.searchParams.get('since')).toBe('2024-05-01T00:00:03Z');
    // 3 and 4 again (the lookback), then the new 6 and 7; 5, at the saved cursor, was landed by the first run.
    expect(second.delivery.records().map((r) => r.n)).toEqual([3, 4, 6, 7]);
    expect((await store.read('src'))?.cursor).toBe('2024-05-01T00:00:07Z');
    const full = await pull(input, { store, runId: 'run-3', fullRefresh: true });
    expect(full.summary.records).toBe(8);
  });

  it('stops partial at the time budget and the next run continues from its position', async () => {
    const data = recordTexts(12);
    const clock = new FakeClock();
    const pages = pagedApi('cursor', () => data, 3);
    api = await FakeApi.start((req, fake) => {
      clock.advance(40_000);
      return pages(req, fake);
    });
    const store = new MemoryStateStore(clock.now);
    const input = { ...CURSOR, maxRunMinutes: 1 };
    const first = await pull(input, { clock, store });
    expect(first.summary).toMatchObject({ status: 'partial', pages: 2, records: 6 });
    expect(first.summary.reason).toBe('time budget (maxRunMinutes 1) used up');
    const second = await pull(input, { clock, store, runId: 'run-2' });
    expect(second.summary).toMatchObject({ status: 'succeeded', pages: 2, records: 6 });
    expect([...first.delivery.records(), ...second.delivery.records()].map((r) => r.n)).toEqual(data.map((_, i) => i));
  });

  it('ends a slice at its deadline with done:false, and the next slice of the same run goes on', async () => {
    const data = recordTexts(9);
    const clock = new FakeClock();
    const pages = pagedApi('cursor', () => data, 3);
    api = await FakeApi.start((req, fake) => {
      // Each page takes longer than the slice: one page per slice.
      clock.advance(20_000);
      return pages(req, fake);
    });
    const d = deps({ clock });
    const slice = () => runPullSlice({ ...request(CURSOR), sliceDeadline: new Date(clock.time + 15_000) }, d);
    expect(await slice()).toEqual({ done: false, runId: 'run-1' });
    expect(await slice()).toEqual({ done: false, runId: 'run-1' });
    const last = await slice();
    expect(last).toMatchObject({ done: true, summary: { status: 'succeeded', pages: 3, records: 9 } });
    expect(d.delivery.records().map((r) => r._sluice.page)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('delivers each record exactly once in a clean run, for any total and page size', async () => {
    let data: string[] = [];
    let size = 1;
    const route: FakeRoute = (req, fake) => pagedApi('cursor', () => data, size)(req, fake);
    api = await FakeApi.start(route);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), async (total, pageSize) => {
        data = recordTexts(total);
        size = pageSize;
        const { summary, delivery } = await pull(CURSOR);
        expect(summary.status).toBe('succeeded');
        expect(delivery.records().map((r) => r.n)).toEqual(data.map((_, i) => i));
      }),
      { numRuns: 40 },
    );
  });
});
