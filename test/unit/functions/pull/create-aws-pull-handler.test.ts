import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAwsPullHandler, SLICE_RESERVE_MS } from '#functions/pull/create-aws-pull-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { FakeApi, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { secrets } from './support/pull-fixtures.ts';

const firehoseMock = mockClient(FirehoseClient);
let api: FakeApi | undefined;

afterEach(async () => {
  firehoseMock.reset();
  vi.unstubAllEnvs();
  await api?.close();
  api = undefined;
});

async function handlerFor(store = new MemoryStateStore()) {
  api = await FakeApi.start(pagedApi('none', () => recordTexts(3), 3));
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
    sources: { gh: { stream: 'events', schedule: 'rate(1 minute)', request: { url: api.url('/items') } } },
  });
  return { handler: createAwsPullHandler(tenant, { store, secrets: secrets() }), store };
}

const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('createAwsPullHandler', () => {
  it('runs a slice of the named source under the run id the state machine gives', async () => {
    const { handler } = await handlerFor();
    const event = { source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId: 'gh-2026-03-01T121500Z' };
    const answer = await handler(event, context(900_000));
    expect(answer).toMatchObject({
      done: true,
      runId: 'gh-2026-03-01T121500Z',
      summary: { status: 'succeeded', records: 3 },
    });
    const calls = firehoseMock.commandCalls(PutRecordBatchCommand);
    expect(calls[0]?.args[0].input.DeliveryStreamName).toBe('events-fh');
    expect(calls[0]?.args[0].input.Records).toHaveLength(3);
  });

  it('keeps the run id the state machine passes, and ends the slice at once when less than the reserve is left', async () => {
    const { handler, store } = await handlerFor();
    const event = { source: 'gh', scheduledTime: '2026-03-01T12:15:00Z', runId: 'exec-1' };
    expect(await handler(event, context(SLICE_RESERVE_MS))).toEqual({ done: false, runId: 'exec-1' });
    expect(api?.requests).toHaveLength(0);
    const next = await handler(event, context(SLICE_RESERVE_MS + 30_000));
    expect(next).toMatchObject({ done: true, runId: 'exec-1', summary: { run: 'exec-1', records: 3 } });
    expect((await store.read('gh'))?.lastRun?.run).toBe('exec-1');
  });

  it('refuses an event without a source or a run id or with a bad time, and a source the tenant does not have', async () => {
    const { handler } = await handlerFor();
    const at = { scheduledTime: '2026-03-01T12:15:00Z', runId: 'r-1' };
    await expect(handler({ source: 'gh', scheduledTime: at.scheduledTime }, context(900_000))).rejects.toThrow(
      /bad pull event/,
    );
    await expect(handler({ scheduledTime: at.scheduledTime, runId: 'r-1' }, context(900_000))).rejects.toThrow(
      /bad pull event/,
    );
    await expect(handler({ source: 'gh', scheduledTime: 'yesterday', runId: 'r-1' }, context(900_000))).rejects.toThrow(
      /scheduledTime must be an ISO 8601 time/,
    );
    await expect(handler({ source: 'nope', ...at }, context(900_000))).rejects.toThrow('tenant t has no source nope');
  });
});
