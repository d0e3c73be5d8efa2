/**
 * Issue 21 §4: state that cannot be saved is not a stuck source. Through the pull handler (the
 * Lambda's entry point) against a fake API on loopback, with Firehose mocked.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAwsPullHandler } from '#functions/pull/create-aws-pull-handler';
import { seenWith, stateLimitProblem } from '#functions/pull/state-size-check';
import type { SourceConfigInput } from '#shared/config/source-config';
import { defineTenant } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { MAX_SAVED_RUN_BYTES, MAX_SAVED_VALUE_BYTES } from '#shared/pull/state-limits';
import { FakeApi, type FakeRoute } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

const firehoseMock = mockClient(FirehoseClient);
let api: FakeApi | undefined;

afterEach(async () => {
  firehoseMock.reset();
  vi.unstubAllEnvs();
  await api?.close();
  api = undefined;
});

/** The handler of a tenant whose one source `gh` pulls the fake API (`source` gets the API's URL). */
async function handlerFor(
  route: FakeRoute,
  source: (url: string) => Partial<SourceConfigInput> = () => ({}),
  store = new MemoryStateStore(),
) {
  const started = await FakeApi.start(route);
  api = started;
  vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ events: { records: { kind: 'firehose', name: 'events-fh' } } }));
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  firehoseMock.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map((_, index) => ({ RecordId: String(index) })),
  }));
  const url = started.url('/items');
  const tenant = defineTenant({
    tenant: 't',
    auth: { issuer: 'self' },
    streams: { events: { payload: 'json' } },
    sources: { gh: { stream: 'events', schedule: 'rate(1 minute)', request: { url }, ...source(url) } },
  });
  return { handler: createAwsPullHandler(tenant, { store, secrets: secrets() }), store };
}

const context = { getRemainingTimeInMillis: () => 900_000 };
const tick = (runId: string) => ({ source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId });
const delivered = () =>
  firehoseMock.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records ?? []).length;

/** A GraphQL-style API: the first page's end cursor is `cursor`, the page after it is empty. */
function graphqlApi(cursor: string): FakeRoute {
  return (request) => {
    const after = (JSON.parse(request.body) as { variables?: { after?: string | null } }).variables?.after;
    const nodes = after ? '[]' : '[{"id":1},{"id":2}]';
    return {
      body: `{"data":{"nodes":${nodes},"pageInfo":{"endCursor":${JSON.stringify(cursor)},"hasNextPage":true}}}`,
    };
  };
}

/** A GraphQL source: the cursor goes back in the POST body, so that a long one is no long URL. */
const graphqlSource = (url: string): Partial<SourceConfigInput> => ({
  request: { url, method: 'POST', body: { query: 'q', variables: { after: null } } },
  records: '/data/nodes',
  paginate: {
    type: 'cursor',
    path: '/data/pageInfo/endCursor',
    bodyPath: '/variables/after',
    hasMore: '/data/pageInfo/hasNextPage',
  },
});

const graphqlHandler = (cursor: string) => handlerFor(graphqlApi(cursor), graphqlSource);

/** A cursor API of three pages, one record each. */
const cursorSource = () => ({ records: '/data', paginate: { type: 'cursor', path: '/next', param: 'after' } }) as const;

describe('the state size limit', () => {
  it(`ends the run failed naming the limit, and delivers nothing, when the next cursor is ${MAX_SAVED_VALUE_BYTES} + 1 bytes`, async () => {
    const { handler, store } = await graphqlHandler('c'.repeat(MAX_SAVED_VALUE_BYTES + 1));
    const answer = await handler(tick('run-1'), context);
    expect(answer).toMatchObject({
      done: true,
      summary: { status: 'failed', end: 'state limit', pages: 0, records: 0 },
    });
    const reason = 'summary' in answer ? answer.summary.reason : '';
    expect(reason).toContain('the next-page cursor the API sent is 16,385 bytes, over the 16,384 bytes');
    expect(reason.length).toBeLessThan(400);
    expect(delivered()).toBe(0);
    // The lease is released: the next tick runs (and meets the same cursor) instead of finding the source busy.
    expect(await handler(tick('run-2'), context)).toMatchObject({ done: true, summary: { end: 'state limit' } });
    expect((await store.read('gh'))?.lease).toBeUndefined();
  });

  it(`delivers the page and saves a next cursor of exactly ${MAX_SAVED_VALUE_BYTES} bytes`, async () => {
    const { handler, store } = await graphqlHandler('c'.repeat(MAX_SAVED_VALUE_BYTES));
    const answer = await handler(tick('run-1'), context);
    expect(answer).toMatchObject({ done: true, summary: { status: 'succeeded', end: 'empty page', records: 2 } });
    expect(delivered()).toBe(2);
    expect(api?.requests).toHaveLength(2);
    expect((await store.read('gh'))?.lease).toBeUndefined();
  });

  it('ends the run failed before delivery when an incremental cursor value is over the limit', async () => {
    const big = `2026-01-01T00:00:00Z${' '.repeat(MAX_SAVED_VALUE_BYTES)}`;
    const { handler } = await handlerFor(
      () => ({ body: `[{"id":1,"at":${JSON.stringify(big)}}]` }),
      () => ({ incremental: { cursor: '/at', param: 'since', initial: '2020-01-01T00:00:00Z' } }),
    );
    const answer = await handler(tick('run-1'), context);
    expect(answer).toMatchObject({ done: true, summary: { status: 'failed', end: 'state limit', records: 0 } });
    expect('summary' in answer && answer.summary.reason).toContain('the highest incremental cursor value');
    expect(delivered()).toBe(0);
  });

  it('measures the whole saved progress against its own limit', () => {
    const run = { id: 'r', startedAt: '', pages: 1, records: 0, retries: 0, waits: 0 };
    const digests = (n: number) => Array.from({ length: n }, (_, i) => i.toString(16).padStart(16, '0'));
    expect(stateLimitProblem({ ...run, seen: digests(10_000) })).toBeUndefined();
    expect(stateLimitProblem({ ...run, seen: digests(MAX_SAVED_RUN_BYTES / 19) })).toMatch(
      /^state limit: the run's saved progress would be [\d,]+ bytes, over the 300,000 bytes/,
    );
  });

  it('measures a list grown a digest a page as it measures the same list whole', () => {
    const run = { id: 'r', startedAt: '', pages: 1, records: 0, retries: 0, waits: 0 };
    // Keys of any text, not only digests: a quote or a non-ASCII character changes the JSON size.
    const keys = Array.from({ length: MAX_SAVED_RUN_BYTES / 19 + 2 }, (_, i) => {
      const digits = i.toString(16).padStart(16, '0');
      return i % 3 === 0 ? digits : i % 3 === 1 ? `"é${digits}` : `k${digits}`;
    });
    // A resumed run starts from the list it loaded from the state, not one seenWith built.
    const loaded = 100;
    let grown: readonly string[] = keys.slice(0, loaded);
    let firstOver: number | undefined;
    for (const [index, key] of keys.entries()) {
      if (index < loaded) continue;
      grown = seenWith(grown, key);
      const problem = stateLimitProblem({ ...run, seen: grown });
      if (index % 500 === 0 || problem !== undefined) {
        expect(problem).toBe(stateLimitProblem({ ...run, seen: keys.slice(0, index + 1) }));
      }
      if (problem !== undefined) {
        firstOver = index;
        break;
      }
    }
    expect(firstOver).toBeDefined();
    expect(stateLimitProblem({ ...run, seen: keys.slice(0, firstOver) })).toBeUndefined();
  });
});

describe('a failure after the lease is taken', () => {
  it('ends the run failed and releases the lease when a state save throws, so the next tick runs at once', async () => {
    const store = new MemoryStateStore();
    const save = store.saveProgress.bind(store);
    store.saveProgress = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const pages = (request: { url: URL }) => {
      const after = Number(request.url.searchParams.get('after') ?? 0);
      return { body: `{"data":[{"id":${after}}],"next":${after < 2 ? `"${after + 1}"` : 'null'}}` };
    };
    const { handler } = await handlerFor(pages, cursorSource, store);
    const first = await handler(tick('gh-2026-03-01T121500Z'), context);
    expect(first).toMatchObject({ done: true, summary: { status: 'failed', end: 'state not saved', pages: 0 } });
    expect('summary' in first && first.summary.reason).toContain('ProvisionedThroughputExceededException');
    store.saveProgress = save;
    const next = await handler(tick('gh-2026-03-01T121600Z'), context);
    expect(next).toMatchObject({ done: true, summary: { status: 'succeeded', records: 3 } });
  });

  it('releases the lease even when the store cannot record the failed run', async () => {
    const store = new MemoryStateStore();
    const { saveProgress, finishRun } = {
      saveProgress: store.saveProgress.bind(store),
      finishRun: store.finishRun.bind(store),
    };
    store.saveProgress = store.finishRun = async () => {
      throw new Error('the table is gone');
    };
    const pages = (request: { url: URL }) =>
      request.url.searchParams.has('after') ? { body: '{"data":[]}' } : { body: '{"data":[{"id":1}],"next":"1"}' };
    const { handler } = await handlerFor(pages, cursorSource, store);
    await expect(handler(tick('run-1'), context)).rejects.toThrow('the table is gone');
    expect((await store.read('gh'))?.lease).toBeUndefined();
    Object.assign(store, { saveProgress, finishRun });
    expect(await handler(tick('run-2'), context)).toMatchObject({ done: true, summary: { status: 'succeeded' } });
  });

  it('ends the run failed as an internal error with a bounded reason when something unforeseen throws, and releases the lease', async () => {
    api = await FakeApi.start(() => ({ body: '[{"id":1}]' }));
    const store = new MemoryStateStore();
    const run = (runId: string, onPage?: () => void) =>
      runPull(
        { tenant: 't', source: source({ request: { url: (api as FakeApi).url('/items') } }), stream: stream(), runId },
        { store, secrets: secrets(), delivery: new RecordingDelivery(), ...(onPage ? { onPage } : {}) },
      );
    const failed = await run('run-1', () => {
      throw new Error(`progress line not written: ${'x'.repeat(10_000)}`);
    });
    expect(failed).toMatchObject({ status: 'failed', end: 'internal error' });
    expect(failed.reason).toMatch(/^internal error: progress line not written: x+…$/);
    expect(failed.reason.length).toBeLessThan(400);
    expect((await run('run-2')).status).toBe('succeeded');
  });
});
