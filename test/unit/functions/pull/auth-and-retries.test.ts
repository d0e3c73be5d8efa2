import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RETRIES } from '#functions/pull/page-fetch';
import type { SourceConfigInput } from '#shared/config/source-config';
import { FakeApi, type FakeRoute, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const SECRET_VALUES = {
  token: 'tok-SECRET-1',
  basic: '{"username":"ann","password":"pw-SECRET-2"}',
  key: 'key-SECRET-3',
  client: '{"client_id":"cid","client_secret":"cs-SECRET-4"}',
};

async function pull(
  input: Partial<SourceConfigInput>,
  options: { clock?: FakeClock; store?: MemoryStateStore; runId?: string; logs?: string[] } = {},
) {
  const clock = options.clock ?? new FakeClock();
  const delivery = new RecordingDelivery();
  const store = options.store ?? new MemoryStateStore(clock.now);
  const logs = options.logs ?? [];
  const log = {
    info: (msg: string, extra?: object) => logs.push(msg, JSON.stringify(extra)),
    warn: (msg: string, extra?: object) => logs.push(msg, JSON.stringify(extra)),
  };
  const summary = await runPull(
    {
      tenant: 't',
      source: source({ request: { url: (api as FakeApi).url('/items') }, ...input }),
      stream: stream(),
      runId: options.runId ?? 'run-1',
    },
    {
      store,
      secrets: secrets(SECRET_VALUES),
      delivery,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      log,
      onPage: (page) => logs.push(JSON.stringify(page)),
    },
  );
  return { summary, delivery, store, clock, logs };
}

/** Answers `answers` in turn for the first requests, then serves three records on one page. */
function flaky(
  answers: Parameters<FakeRoute>[0] extends never
    ? never
    : { status: number; headers?: Record<string, string>; delayMs?: number }[],
): FakeRoute {
  const serve = pagedApi('none', () => recordTexts(3), 3);
  let calls = 0;
  return (request, fake) => {
    const answer = answers[calls++];
    return answer === undefined ? serve(request, fake) : { ...answer, body: { message: 'try later' } };
  };
}

describe('auth', () => {
  const protectedApi =
    (check: (request: Parameters<FakeRoute>[0]) => boolean): FakeRoute =>
    (request, fake) =>
      check(request)
        ? pagedApi('none', () => recordTexts(2), 2)(request, fake)
        : { status: 401, body: { message: 'no' } };

  it('sends a bearer token from the secret', async () => {
    api = await FakeApi.start(protectedApi((r) => r.headers.authorization === 'Bearer tok-SECRET-1'));
    const { summary } = await pull({ auth: { type: 'bearer', secret: 'token' } });
    expect(summary).toMatchObject({ status: 'succeeded', records: 2 });
  });

  it('sends basic credentials from a JSON secret', async () => {
    const expected = `Basic ${Buffer.from('ann:pw-SECRET-2').toString('base64')}`;
    api = await FakeApi.start(protectedApi((r) => r.headers.authorization === expected));
    const { summary } = await pull({ auth: { type: 'basic', secret: 'basic' } });
    expect(summary.status).toBe('succeeded');
  });

  it('sends an API key in a header', async () => {
    api = await FakeApi.start(protectedApi((r) => r.headers['x-api-key'] === 'key-SECRET-3'));
    const { summary } = await pull({ auth: { type: 'api-key', secret: 'key', in: 'header', name: 'X-Api-Key' } });
    expect(summary.status).toBe('succeeded');
  });

  it('sends an API key in the query but never shows or stores it, even when the next link repeats it', async () => {
    api = await FakeApi.start((request) => {
      if (request.url.searchParams.get('api_key') !== 'key-SECRET-3') return { status: 401, body: {} };
      const from = Number(request.url.searchParams.get('from') ?? 0);
      return {
        body: `[{"id":${from}}]`,
        headers: from < 2 ? { link: `</items?from=${from + 1}&api_key=key-SECRET-3>; rel="next"` } : {},
      };
    });
    const store = new MemoryStateStore();
    const { summary, delivery, logs } = await pull(
      { paginate: { type: 'link-header' }, auth: { type: 'api-key', secret: 'key', in: 'query', name: 'api_key' } },
      { store },
    );
    expect(summary).toMatchObject({ status: 'succeeded', pages: 3 });
    const everything = JSON.stringify([logs, store.saved, [...store.rows.values()], delivery.lines()]);
    expect(everything).toContain('from=1');
    expect(everything).not.toContain('SECRET');
  });

  it('gets an OAuth2 token once, reuses it, and gets a new one shortly before it expires', async () => {
    const clock = new FakeClock();
    let issued = 0;
    const data = recordTexts(9);
    const pages = pagedApi('cursor', () => data, 3);
    api = await FakeApi.start((request, fake) => {
      if (request.url.pathname === '/token') {
        const form = new URLSearchParams(request.body);
        const ok = form.get('client_secret') === 'cs-SECRET-4' && form.get('grant_type') === 'client_credentials';
        issued += 1;
        return ok ? { body: { access_token: `at-${issued}`, expires_in: 600 } } : { status: 401, body: {} };
      }
      // Each page moves the clock past the token's refresh point (600 s minus the 60 s margin).
      clock.advance(300_000);
      return request.headers.authorization?.startsWith('Bearer at-') ? pages(request, fake) : { status: 401, body: {} };
    });
    const { summary } = await pull(
      {
        records: '/results',
        paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
        auth: { type: 'oauth2-client-credentials', secret: 'client', tokenUrl: api.url('/token'), scope: 'read' },
      },
      { clock },
    );
    expect(summary).toMatchObject({ status: 'succeeded', records: 9 });
    expect(api.requestsTo('/items').map((r) => r.headers.authorization)).toEqual([
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-2',
    ]);
    expect(new URLSearchParams(api.requestsTo('/token')[0]?.body).get('scope')).toBe('read');
  });

  it('refreshes an OAuth2 token once when the API rejects it mid-run, then carries on', async () => {
    const data = recordTexts(6);
    const pages = pagedApi('cursor', () => data, 3);
    let issued = 0;
    api = await FakeApi.start((request, fake) => {
      if (request.url.pathname === '/token') return { body: { access_token: `at-${++issued}`, expires_in: 3600 } };
      // The server revokes the first token after one page.
      const valid =
        request.headers.authorization === `Bearer at-${issued}` &&
        !(issued === 1 && api?.requestsTo('/items').length === 2);
      return valid ? pages(request, fake) : { status: 401, body: {} };
    });
    const { summary } = await pull({
      records: '/results',
      paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
      auth: { type: 'oauth2-client-credentials', secret: 'client', tokenUrl: api.url('/token') },
    });
    expect(summary).toMatchObject({ status: 'succeeded', records: 6 });
    expect(api.requestsTo('/token')).toHaveLength(2);
  });

  it('ends the run failed asking to check the credentials on 401 and 403, with the state untouched', async () => {
    for (const status of [401, 403]) {
      api = await FakeApi.start(() => ({ status, body: { message: 'nope' } }));
      const store = new MemoryStateStore();
      const { summary } = await pull({ auth: { type: 'bearer', secret: 'token' } }, { store });
      expect(summary).toMatchObject({ status: 'failed', pages: 0, records: 0 });
      expect(summary.reason).toBe(`the API answered ${status}: check the credentials of source src`);
      const state = await store.read('src');
      expect(state?.cursor).toBeUndefined();
      expect(state?.run).toBeUndefined();
      expect(api.requests).toHaveLength(1);
      await api.close();
    }
    api = undefined;
  });

  it('fails naming the secret, not its value, when a secret is missing or malformed', async () => {
    api = await FakeApi.start(pagedApi('none', () => recordTexts(1), 1));
    const missing = await pull({ auth: { type: 'bearer', secret: 'absent' } });
    expect(missing.summary.reason).toBe('secret absent of source src could not be read');
    const malformed = await pull({ auth: { type: 'basic', secret: 'token' } });
    expect(malformed.summary).toMatchObject({ status: 'failed' });
    expect(malformed.summary.reason).toContain('secret token of source src is not JSON');
    expect(malformed.summary.reason).not.toContain('SECRET');
  });
});

describe('secrets', () => {
  it('never puts a secret value in a log line, a summary, the state, a record or a dead letter', async () => {
    const auths: SourceConfigInput['auth'][] = [
      { type: 'bearer', secret: 'token' },
      { type: 'basic', secret: 'basic' },
      { type: 'api-key', secret: 'key', in: 'header', name: 'x-key' },
      { type: 'api-key', secret: 'key', in: 'query', name: 'key' },
    ];
    const answers: Record<string, () => { status?: number; body: string }> = {
      ok: () => ({ body: '[{"id":1},7]' }),
      rejected: () => ({ status: 401, body: '{}' }),
      flaky: () => ({ status: 500, body: '{}' }),
      malformed: () => ({ body: 'not json' }),
    };
    for (const auth of auths) {
      for (const [name, answer] of Object.entries(answers)) {
        api = await FakeApi.start(answer);
        const store = new MemoryStateStore();
        const { summary, delivery, logs } = await pull({ auth }, { store });
        expect(summary.status).toBe(name === 'ok' ? 'succeeded' : 'failed');
        const everything = JSON.stringify([
          summary,
          logs,
          [...store.rows.values()],
          delivery.lines(),
          delivery.lines('dead-letter'),
        ]);
        expect(everything).not.toMatch(/SECRET/);
        await api.close();
      }
    }
    api = undefined;
  });
});

describe('retries and rate limits', () => {
  it('honours Retry-After in seconds on 429 and on 503', async () => {
    api = await FakeApi.start(
      flaky([
        { status: 429, headers: { 'retry-after': '7' } },
        { status: 503, headers: { 'retry-after': '2' } },
      ]),
    );
    const { summary, clock } = await pull({});
    expect(summary).toMatchObject({ status: 'succeeded', records: 3, retries: 2, waits: 2 });
    expect(clock.sleeps).toEqual([7000, 2000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
    api = await FakeApi.start(flaky([{ status: 429, headers: { 'retry-after': 'Sun, 01 Mar 2026 12:00:30 GMT' } }]));
    const { summary } = await pull({}, { clock });
    expect(summary).toMatchObject({ status: 'succeeded', waits: 1 });
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('honours X-RateLimit-Reset as epoch seconds and RateLimit-Reset as seconds', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
    const reset = String(Date.parse('2026-03-01T12:01:00Z') / 1000);
    api = await FakeApi.start(
      flaky([
        { status: 429, headers: { 'x-ratelimit-reset': reset } },
        { status: 429, headers: { 'ratelimit-reset': '5' } },
      ]),
    );
    await pull({}, { clock });
    expect(clock.sleeps).toEqual([60_000, 5_000]);
  });

  it('retries 5xx flakes with full-jitter exponential backoff', async () => {
    api = await FakeApi.start(flaky([{ status: 500 }, { status: 502 }, { status: 504 }]));
    const { summary, clock } = await pull({});
    expect(summary).toMatchObject({ status: 'succeeded', retries: 3, waits: 0 });
    // random() is 0.5: half of 500, 1000 and 2000 ms.
    expect(clock.sleeps).toEqual([250, 500, 1000]);
  });

  it(`gives up after ${MAX_RETRIES} retries and fails naming the page`, async () => {
    api = await FakeApi.start(flaky(Array.from({ length: MAX_RETRIES + 1 }, () => ({ status: 500 }))));
    const { summary } = await pull({});
    expect(summary.status).toBe('failed');
    expect(summary.reason).toMatch(
      /^page 1 of source src: the API answered 500 for http:\/\/127\.0\.0\.1:\d+\/items; gave up after 5 retries$/,
    );
    expect(summary.retries).toBe(MAX_RETRIES);
  });

  it(`succeeds on the last of ${MAX_RETRIES} retries`, async () => {
    api = await FakeApi.start(flaky(Array.from({ length: MAX_RETRIES }, () => ({ status: 500 }))));
    const { summary } = await pull({});
    expect(summary).toMatchObject({ status: 'succeeded', retries: MAX_RETRIES });
  });

  it('retries an answer slower than the request timeout', async () => {
    api = await FakeApi.start(flaky([{ status: 200, delayMs: 1_500 }]));
    const { summary } = await pull({ request: { url: api.url('/items'), timeoutSeconds: 1 } });
    expect(summary).toMatchObject({ status: 'succeeded', records: 3, retries: 1 });
  });

  it('fails at once on a 404, naming the page and the URL', async () => {
    api = await FakeApi.start(() => ({ status: 404, body: {} }));
    const { summary } = await pull({});
    expect(summary.reason).toMatch(/^page 1 of source src: the API answered 404 for http:\/\/127\.0\.0\.1:\d+\/items$/);
    expect(api.requests).toHaveLength(1);
  });

  it('stops partial when the wait the API asks for passes the time budget, and the next run continues after the wait', async () => {
    const clock = new FakeClock();
    const data = recordTexts(9);
    const pages = pagedApi('cursor', () => data, 3);
    let limited = true;
    api = await FakeApi.start((request, fake) => {
      if (request.url.searchParams.get('after') === 'c3' && limited) {
        limited = false;
        return { status: 429, headers: { 'retry-after': '3600' }, body: {} };
      }
      return pages(request, fake);
    });
    const store = new MemoryStateStore(clock.now);
    const input = {
      records: '/results',
      paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
      maxRunMinutes: 30,
    } as const;
    const first = await pull(input, { clock, store });
    expect(first.summary).toMatchObject({ status: 'partial', pages: 1, records: 3, waits: 0 });
    expect(first.summary.reason).toMatch(/^rate limit: .*past the run's time budget$/);
    expect(clock.sleeps).toEqual([]);
    expect(first.summary.end).toBe('rate limit');
    // A run before the wait is over asks nothing of the API and says why it stopped.
    clock.advance(60_000);
    const early = await pull(input, { clock, store, runId: 'run-2' });
    expect(early.summary).toMatchObject({ status: 'partial', end: 'rate limit', pages: 0, records: 0 });
    expect(early.summary.reason).toMatch(/^rate limit: the API asked to wait until 2026-03-01T13:00:00\.000Z/);
    expect(api.requests).toHaveLength(2);
    clock.advance(60 * 60_000);
    const second = await pull(input, { clock, store, runId: 'run-3' });
    expect(second.summary).toMatchObject({ status: 'succeeded', pages: 2, records: 6 });
    expect(second.delivery.records().map((r) => r.n)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(api.requests.map((request) => request.url.searchParams.get('after'))).toEqual([null, 'c3', 'c3', 'c6']);
  });

  it('never sends more requests per second than rateLimit.perSecond', async () => {
    const data = recordTexts(12);
    api = await FakeApi.start(pagedApi('cursor', () => data, 1));
    const { summary } = await pull({
      records: '/results',
      paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' },
      rateLimit: { perSecond: 20 },
    });
    expect(summary.records).toBe(12);
    const times = api.requests.map((request) => request.receivedAt);
    for (let index = 20; index < times.length; index++)
      expect((times[index] ?? 0) - (times[index - 20] ?? 0)).toBeGreaterThanOrEqual(990);
    // 12 requests spaced 50 ms apart take 550 ms; arrival times measured at the server can
    // shrink that by the first request's own delay on a busy machine, so allow 10 %. Without a
    // limit the 12 pages arrive within a few milliseconds.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(495);
  });
});
