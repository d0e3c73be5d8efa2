import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAwsPullHandler } from '#functions/pull/create-aws-pull-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { captureEmf, total } from '../metrics/emf-capture.ts';
import { FakeApi, type FakeRoute, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { secrets } from './support/pull-fixtures.ts';

const firehoseMock = mockClient(FirehoseClient);
let api: FakeApi | undefined;

afterEach(async () => {
  firehoseMock.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await api?.close();
  api = undefined;
});

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
        request: { url: api.url('/items') },
        paginate: { type: 'link-header' },
      },
    },
  });
  return createAwsPullHandler(tenant, { store, secrets: secrets() });
}

const context = { getRemainingTimeInMillis: () => 900_000 };
const gh = { tenant: 't', source: 'gh' };

describe('the pull function on AWS emits EMF metrics', () => {
  it('after a run: one succeeded run, its pages and records per source, and the records accepted by the stream', async () => {
    const emf = captureEmf();
    const handler = await handlerFor(pagedApi('link-header', () => recordTexts(7), 3));
    const answer = await handler(
      { source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId: 'gh-2026-03-01T121500Z' },
      context,
    );
    expect(answer).toMatchObject({ done: true, summary: { status: 'succeeded', records: 7, pages: 3 } });
    const data = emf.data();
    expect(total(data, 'PullRuns', { ...gh, outcome: 'succeeded' })).toBe(1);
    expect(total(data, 'PullRuns', { ...gh, outcome: 'failed' })).toBe(0);
    expect(total(data, 'PullRecords', gh)).toBe(7);
    expect(total(data, 'PullPages', gh)).toBe(3);
    expect(total(data, 'PullRetries', gh)).toBe(0);
    expect(total(data, 'PullSecondsSinceLastSuccess', gh)).toBe(0);
    expect(total(data, 'RecordsAccepted', { tenant: 't', stream: 'events' })).toBe(7);
    for (const datum of data) expect(datum.namespace).toBe('Sluice');
  });

  it('after a failed run: a failed run, its retries, and the seconds since the last success', async () => {
    let answers: number[] = [];
    const items = pagedApi('link-header', () => recordTexts(2), 3);
    const handler = await handlerFor((request, fake) => {
      const status = answers.shift();
      return status === undefined ? items(request, fake) : { status, body: { message: 'no' } };
    });
    captureEmf();
    await handler({ source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId: 'gh-2026-03-01T121500Z' }, context);
    vi.restoreAllMocks();
    // A 500 is retried (one retry, under half a second of backoff); the 400 after it fails the run.
    answers = [500, 400];
    const emf = captureEmf();
    const answer = await handler(
      { source: 'gh', scheduledTime: '2026-03-01T12:16:00Z', runId: 'gh-2026-03-01T121600Z' },
      context,
    );
    expect(answer).toMatchObject({ done: true, summary: { status: 'failed' } });
    const data = emf.data();
    expect(total(data, 'PullRuns', { ...gh, outcome: 'failed' })).toBe(1);
    expect(total(data, 'PullRuns', { ...gh, outcome: 'succeeded' })).toBe(0);
    expect(total(data, 'PullRetries', gh)).toBe(1);
    expect(total(data, 'PullRecords', gh)).toBe(0);
    const since = data.find((datum) => datum.name === 'PullSecondsSinceLastSuccess');
    expect(since).toMatchObject({ unit: 'Seconds', dimensions: gh });
    expect(since?.value).toBeGreaterThanOrEqual(0);
  });
});
