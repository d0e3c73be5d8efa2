import { afterEach, describe, expect, it } from 'vitest';
import { createLocalPull } from '#local/pull/local-pull';
import { defineTenant } from '#shared/config/tenant-config';
import { runIdFor } from '#shared/pull/run-id';
import { FakeApi, pagedApi, recordTexts } from '../../functions/pull/support/fake-api.ts';
import { MemoryStateStore } from '../../functions/pull/support/memory-state-store.ts';
import { FakeClock, RecordingDelivery } from '../../functions/pull/support/pull-fixtures.ts';

// The real local pull (local-pull.ts with the real runner) against a fake API on loopback;
// the clock moves instead of the test waiting.
let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const data = recordTexts(6);

function localPull(fake: FakeApi, clock: FakeClock, store = new MemoryStateStore(clock.now)) {
  const tenant = defineTenant({
    tenant: 'example',
    auth: { issuer: 'self' },
    streams: { events: { payload: 'json', batch: true } },
    sources: {
      sample: {
        stream: 'events',
        schedule: 'rate(1 minute)',
        maxRunMinutes: 1,
        request: { url: fake.url('/items') },
        records: '/results',
        paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
      },
    },
  });
  const delivery = new RecordingDelivery();
  const pull = createLocalPull({
    tenant,
    store,
    secrets: { read: async () => '' },
    delivery,
    now: clock.now,
    sleep: clock.sleep,
  });
  return { pull, delivery, store };
}

describe('local pull run identity', () => {
  it('names a run as the state machine does: the source and its start time in UTC to the second', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T12:00:07.250Z'));
    api = await FakeApi.start(pagedApi('cursor', () => data, 10));
    const { pull } = localPull(api, clock);
    const summary = await pull.run('sample');
    expect(summary.run).toBe('sample-2026-03-01T120007Z');
    expect(summary.run).toBe(runIdFor('sample', new Date('2026-03-01T13:00:07+01:00')));
  });

  it('fetches again after a run ended partial on its time budget, resuming at its last committed page', async () => {
    const clock = new FakeClock();
    // The first page takes the whole budget (maxRunMinutes 1); later pages are quick.
    const route = pagedApi('cursor', () => data, 2);
    api = await FakeApi.start((request, fake) => {
      if (fake.requests.length === 1) clock.advance(61_000);
      return route(request, fake);
    });
    const { pull, delivery, store } = localPull(api, clock);
    const first = await pull.run('sample');
    expect(first).toMatchObject({ status: 'partial', pages: 1, records: 2 });
    expect(first.reason).toMatch(/time budget/);

    clock.advance(60_000);
    const second = await pull.run('sample');
    expect(second).toMatchObject({ status: 'succeeded', records: 4 });
    expect(second.run).not.toBe(first.run);
    expect(api.requests.map((request) => request.url.searchParams.get('after'))).toEqual([null, 'c2', 'c4']);
    expect(delivery.records().map((record) => record.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await store.read('sample'))?.run).toBeUndefined();
  });

  it('starts over from the first page with --full-refresh after a run ended partial', async () => {
    const clock = new FakeClock();
    const route = pagedApi('cursor', () => data, 2);
    api = await FakeApi.start((request, fake) => {
      if (fake.requests.length === 1) clock.advance(61_000);
      return route(request, fake);
    });
    const { pull } = localPull(api, clock);
    expect((await pull.run('sample')).status).toBe('partial');
    clock.advance(60_000);
    const refreshed = await pull.run('sample', { fullRefresh: true });
    expect(refreshed).toMatchObject({ status: 'succeeded', pages: 3, records: 6 });
    expect(api.requests.slice(1).map((request) => request.url.searchParams.get('after'))).toEqual([null, 'c2', 'c4']);
  });
});

describe('stopping local mode during a run', () => {
  it('ends the run partial (stopped) with its pages saved and its lease released, cutting the request in flight short', async () => {
    const clock = new FakeClock();
    const route = pagedApi('cursor', () => data, 2);
    let stop = () => {};
    api = await FakeApi.start((request, fake) => {
      if (fake.requests.length < 2) return route(request, fake);
      // The second page hangs for longer than the test may take: only the stop ends this run.
      stop();
      return { ...route(request, fake), delayMs: 60_000 };
    });
    const { pull, store, delivery } = localPull(api, clock);
    stop = () => pull.stop();
    const summary = await pull.run('sample');
    expect(summary).toMatchObject({ status: 'partial', end: 'stopped', pages: 1, records: 2, retries: 0 });
    expect(summary.reason).toMatch(/^stopped: /);
    const state = await store.read('sample');
    expect(state?.lease).toBeUndefined();
    expect(state?.run?.position).toEqual({ cursor: 'c2' });
    expect(delivery.records().map((record) => record.n)).toEqual([0, 1]);
  });
});
