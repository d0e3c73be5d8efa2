import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAwsPullHandler } from '#functions/pull/create-aws-pull-handler';
import { MAX_REQUESTED_WAIT_MS, requestedWaitMs } from '#functions/pull/retry-after';
import type { SourceConfigInput } from '#shared/config/source-config';
import { defineTenant } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { RUN_ENDS } from '#shared/pull/run-ends';
import { captureEmf, total } from '../metrics/emf-capture.ts';
import { FakeApi, type FakeRoute, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

const firehoseMock = mockClient(FirehoseClient);
let api: FakeApi | undefined;
afterEach(async () => {
  firehoseMock.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await api?.close();
  api = undefined;
});

const CURSOR = {
  records: '/results',
  paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
} as const;

/** Serves three pages of three records; the request for the second page gets `answer` once. */
function limitedOnce(answer: { status: number; headers: Record<string, string> }): FakeRoute {
  const pages = pagedApi('cursor', () => recordTexts(9), 3);
  let sent = false;
  return (request, fake) => {
    if (request.url.searchParams.get('after') === 'c3' && !sent) {
      sent = true;
      return { ...answer, body: {} };
    }
    return pages(request, fake);
  };
}

async function pullWith(route: FakeRoute, input: Partial<SourceConfigInput>, clock = new FakeClock()) {
  const fake = await FakeApi.start(route);
  api = fake;
  const store = new MemoryStateStore(clock.now);
  const run = (runId: string) =>
    runPull(
      { tenant: 't', source: source({ request: { url: fake.url('/items') }, ...input }), stream: stream(), runId },
      { store, secrets: secrets(), delivery: new RecordingDelivery(), now: clock.now, sleep: clock.sleep },
    );
  return { run, store, clock };
}

describe('waits the API asks for', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const waitFor = (headers: Record<string, string>) => requestedWaitMs(new Headers(headers), now);

  it('reads delay seconds, HTTP dates in all three forms, reset epochs and reset seconds', () => {
    expect(waitFor({ 'retry-after': '120' })).toBe(120_000);
    expect(waitFor({ 'retry-after': 'Sun, 01 Mar 2026 12:01:00 GMT' })).toBe(60_000);
    expect(waitFor({ 'retry-after': 'Sunday, 01-Mar-26 12:01:00 GMT' })).toBe(60_000);
    expect(waitFor({ 'retry-after': 'Sun Mar  1 12:01:00 2026' })).toBe(60_000);
    expect(waitFor({ 'x-ratelimit-reset': String(now.getTime() / 1000 + 30) })).toBe(30_000);
    expect(waitFor({ 'ratelimit-reset': '30' })).toBe(30_000);
  });

  it('ignores what is not a delay or an HTTP date instead of reading it as a year', () => {
    for (const value of ['1 hour', '-5', '0x10', '2026-03-01', 'soon', '1e3', '', 'Infinity']) {
      expect(waitFor({ 'retry-after': value }), value).toBeUndefined();
    }
  });

  it('clamps absurd waits to a day and past dates to zero', () => {
    expect(waitFor({ 'retry-after': '99999999999999' })).toBe(MAX_REQUESTED_WAIT_MS);
    expect(waitFor({ 'x-ratelimit-reset': '99999999999999' })).toBe(MAX_REQUESTED_WAIT_MS);
    expect(waitFor({ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' })).toBe(MAX_REQUESTED_WAIT_MS);
    expect(waitFor({ 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' })).toBe(0);
    expect(waitFor({ 'retry-after': String(MAX_REQUESTED_WAIT_MS / 1000) })).toBe(MAX_REQUESTED_WAIT_MS);
    expect(waitFor({ 'retry-after': String(MAX_REQUESTED_WAIT_MS / 1000 + 1) })).toBe(MAX_REQUESTED_WAIT_MS);
  });

  it('answers nothing or a whole number of milliseconds in [0, a day] for any header value', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (retryAfter, reset) => {
        const headers = new Headers();
        try {
          headers.set('retry-after', retryAfter);
          headers.set('x-ratelimit-reset', reset);
        } catch {
          return; // not a valid header value: fetch would never hand it over
        }
        const wait = requestedWaitMs(headers, now);
        if (wait === undefined) return;
        expect(Number.isInteger(wait)).toBe(true);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(MAX_REQUESTED_WAIT_MS);
      }),
    );
  });
});

describe('every run ends', () => {
  for (const [header, value] of [
    ['retry-after', '99999999999999'],
    ['x-ratelimit-reset', '99999999999999'],
  ] as const) {
    it(`ends partial on an absurd ${header} after one request, and keeps when to resume`, async () => {
      const { run, store } = await pullWith(limitedOnce({ status: 429, headers: { [header]: value } }), {
        ...CURSOR,
        maxRunMinutes: 1,
      });
      const summary = await run('run-1');
      expect(summary).toMatchObject({ status: 'partial', end: 'rate limit', pages: 1, records: 3 });
      expect(summary.reason).toBe(
        "rate limit: the API asked to wait until 2026-03-02T12:00:00.000Z, past the run's time budget",
      );
      expect(api?.requests).toHaveLength(2);
      expect((await store.read('src'))?.run?.resumeAfter).toBe('2026-03-02T12:00:00.000Z');
    });
  }

  it('says time budget, not rate limit, when retries after 503s run out of budget', async () => {
    // Each answer takes 59 s: the backoff before the second retry passes the one-minute budget.
    const clock = new FakeClock();
    const { run } = await pullWith(
      () => {
        clock.advance(59_000);
        return { status: 503, body: {} };
      },
      { ...CURSOR, maxRunMinutes: 1 },
      clock,
    );
    const first = await run('run-1');
    expect(first.status).toBe('partial');
    expect(first).toMatchObject({ end: 'time budget', retries: 1 });
    expect(first.reason).toMatch(
      /^time budget \(maxRunMinutes 1\) used up while waiting to retry after: the API answered 503/,
    );
    const second = await run('run-2');
    expect(second).toMatchObject({ status: 'partial', end: 'time budget' });
  });

  it('maps every end kind to the status the run ends in, succeeded, partial or failed', () => {
    expect(new Set(Object.values(RUN_ENDS))).toEqual(new Set(['succeeded', 'partial', 'failed']));
    expect(RUN_ENDS['rate limit']).toBe('partial');
    expect(RUN_ENDS['credentials refused']).toBe('failed');
  });
});

describe('the pull function on AWS', () => {
  async function handlerFor(route: FakeRoute, store = new MemoryStateStore()) {
    api = await FakeApi.start(route);
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ events: { records: { kind: 'firehose', name: 'events-fh' } } }));
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    firehoseMock.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_, index) => ({ RecordId: String(index) })),
    }));
    const tenant = defineTenant({
      tenant: 't',
      auth: { issuer: 'self' },
      streams: { events: { payload: 'json' } },
      sources: {
        gh: {
          stream: 'events',
          schedule: 'rate(1 minute)',
          maxRunMinutes: 120,
          request: { url: api.url('/items') },
          ...CURSOR,
        },
      },
    });
    return { handler: createAwsPullHandler(tenant, { store, secrets: secrets() }), store };
  }
  const context = { getRemainingTimeInMillis: () => 900_000 };
  const event = { source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId: 'gh-2026-03-01T121500Z' };

  it('answers when to resume for a wait past the slice, and asks nothing of the API before then', async () => {
    const { handler } = await handlerFor(limitedOnce({ status: 429, headers: { 'retry-after': '1800' } }));
    const before = Date.now();
    const answer = await handler(event, context);
    expect(answer).toMatchObject({ done: false, runId: event.runId, resumeAt: expect.any(String) });
    const resumeAt = Date.parse((answer as { resumeAt: string }).resumeAt);
    expect(resumeAt).toBeGreaterThanOrEqual(before + 1_800_000);
    expect(resumeAt).toBeLessThanOrEqual(Date.now() + 1_801_000);
    // A slice started before then (a state machine without the Wait state) answers the same at once.
    const again = await handler(event, context);
    expect(again).toEqual({ done: false, runId: event.runId, resumeAt: (answer as { resumeAt: string }).resumeAt });
    expect(api?.requests).toHaveLength(2);
  });

  it('ends a tick that finds the source busy as skipped, with its own metric and no failed run', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease('gh', 'gh-2026-03-01T121400Z', new Date(Date.now() + 600_000));
    const { handler } = await handlerFor(
      pagedApi('cursor', () => recordTexts(3), 3),
      store,
    );
    const emf = captureEmf();
    const answer = await handler(event, context);
    expect(answer).toEqual({
      done: true,
      runId: event.runId,
      skipped: 'busy',
      reason: expect.stringMatching(/^source gh is already running \(run gh-2026-03-01T121400Z, lease until /),
    });
    const data = emf.data();
    expect(total(data, 'PullSkippedBusy', { tenant: 't', source: 'gh' })).toBe(1);
    expect(total(data, 'PullRuns', { tenant: 't', source: 'gh', outcome: 'failed' })).toBe(0);
    expect(api?.requests).toHaveLength(0);
  });
});
