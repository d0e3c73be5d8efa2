import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsIngestHandler } from '#functions/ingest/create-aws-ingest-handler';
import { validatePath } from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import { UNKNOWN_STREAM } from '#shared/ports/metrics';
import tenant from '#tenants/example';
import { captureEmf, total } from '../metrics/emf-capture.ts';
import { BEARER_TOKEN, ingestEvent, lambdaContext } from './ingest-fixtures.ts';

const firehoseMock = mockClient(FirehoseClient);

const targets = {
  orders: { records: { kind: 'firehose', name: 'orders-fh' }, deadLetter: { kind: 'firehose', name: 'orders-dlq' } },
  events: { records: { kind: 'firehose', name: 'events-fh' } },
  profiles: { records: { kind: 'firehose', name: 'profiles-fh' } },
  github: { records: { kind: 'firehose', name: 'github-fh' } },
};

const acknowledged = (count: number) => ({
  FailedPutCount: 0,
  RequestResponses: Array.from({ length: count }, (_, index) => ({ RecordId: String(index) })),
});

const events = { tenant: 'example', stream: 'events' };
const orders = { tenant: 'example', stream: 'orders' };

beforeEach(() => {
  vi.stubEnv(ENV.deliveryTargets, JSON.stringify(targets));
  vi.stubEnv(ENV.idempotencyTable, 'idempotency-table');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});

afterEach(() => {
  firehoseMock.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('the ingest function on AWS emits EMF metrics', () => {
  it('after a 202: a 2xx request, the accepted records and bytes and the latency, in namespace Sluice', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).resolves(acknowledged(1));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    expect(answer.statusCode).toBe(202);
    const data = emf.data();
    expect(total(data, 'Requests', { ...events, status_class: '2xx' })).toBe(1);
    expect(total(data, 'RecordsAccepted', events)).toBe(1);
    expect(total(data, 'BytesAccepted', events)).toBe(Buffer.byteLength('{"a":1}\n'));
    expect(total(data, 'RecordsRejected', events)).toBe(0);
    const latency = data.find((datum) => datum.name === 'HandlerLatency');
    expect(latency).toMatchObject({ unit: 'Milliseconds', dimensionNames: ['tenant', 'stream'] });
    expect(latency?.value).toBeGreaterThanOrEqual(0);
    for (const datum of data) {
      expect(datum.namespace).toBe('Sluice');
      // No Powertools `service` dimension, nothing per request.
      expect(datum.dimensionNames.every((name) => ['tenant', 'stream', 'status_class'].includes(name))).toBe(true);
    }
  });

  it('writes one line per accepted request: its metrics and the records accepted fields, no token', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).resolves(acknowledged(1));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    const { receipt } = JSON.parse(answer.body ?? '{}');
    expect(emf.lines()).toHaveLength(1);
    const line = JSON.parse(emf.lines()[0] ?? '{}');
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'records accepted',
      service: 'sluice-ingest',
      status: 202,
      stream: 'events',
      records: 1,
      rejected: 0,
      receipt,
      request_id: 'req-1',
      function_request_id: lambdaContext().awsRequestId,
    });
    expect(Date.parse(line.timestamp)).toBeGreaterThan(0);
    expect(emf.data().map((datum) => datum.name)).toEqual(
      expect.arrayContaining(['Requests', 'RecordsAccepted', 'BytesAccepted', 'HandlerLatency']),
    );
    expect(emf.lines()[0]?.toLowerCase()).not.toContain('authorization');
    expect(emf.lines()[0]).not.toContain(BEARER_TOKEN);
  });

  it('writes no records accepted fields for a refused request, only its metrics', async () => {
    const emf = captureEmf();
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'orders', body: '{"order_id":' }), lambdaContext());
    expect(answer.statusCode).toBe(400);
    const lines = emf.lines().map((text) => JSON.parse(text));
    expect(lines.filter((line) => line.message === 'records accepted')).toHaveLength(0);
    expect(total(emf.data(), 'Requests', { ...orders, status_class: '4xx' })).toBe(1);
  });

  it('after a 400: a 4xx request, one rejected record, and its dead letter once acknowledged', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).resolves(acknowledged(1));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'orders', body: '{"order_id":1}' }), lambdaContext());
    expect(answer.statusCode).toBe(400);
    const data = emf.data();
    expect(total(data, 'Requests', { ...orders, status_class: '4xx' })).toBe(1);
    expect(total(data, 'Requests', { ...orders, status_class: '2xx' })).toBe(0);
    expect(total(data, 'RecordsRejected', orders)).toBe(1);
    expect(total(data, 'RecordsDeadLettered', orders)).toBe(1);
    expect(total(data, 'RecordsAccepted', orders)).toBe(0);
  });

  it('after a batch with rejects: the accepted and the rejected records apart, in a 2xx request', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).resolves(acknowledged(2));
    const handler = createAwsIngestHandler(tenant);
    const body = '{"a":1}\n5\n{"b":2}\n"text"';
    const answer = await handler(
      ingestEvent({ stream: 'events', body, contentType: 'application/x-ndjson' }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(202);
    const data = emf.data();
    expect(total(data, 'Requests', { ...events, status_class: '2xx' })).toBe(1);
    expect(total(data, 'RecordsAccepted', events)).toBe(2);
    expect(total(data, 'RecordsRejected', events)).toBe(2);
  });

  it('after a batch with no accepted record: every entry counts as rejected', async () => {
    const emf = captureEmf();
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(
      ingestEvent({ stream: 'events', body: '1\n2\n3', contentType: 'application/x-ndjson' }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(400);
    expect(total(emf.data(), 'RecordsRejected', events)).toBe(3);
  });

  it('counts throttled and retried records of a partial failure before the 202', async () => {
    const emf = captureEmf();
    firehoseMock
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [{ RecordId: '1' }, { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }],
      })
      .resolves(acknowledged(1));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(
      ingestEvent({ stream: 'events', body: '{"a":1}\n{"a":2}', contentType: 'application/x-ndjson' }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(202);
    const data = emf.data();
    expect(total(data, 'DeliveryThrottles', events)).toBe(1);
    expect(total(data, 'DeliveryRetries', events)).toBe(1);
    expect(total(data, 'RecordsAccepted', events)).toBe(2);
  });

  it('counts every record of a call Firehose throttled as a whole, and the 429 as a 4xx', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException' }));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(
      ingestEvent({ stream: 'events', body: '{"a":1}\n{"a":2}\n{"a":3}', contentType: 'application/x-ndjson' }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(429);
    const data = emf.data();
    expect(total(data, 'DeliveryThrottles', events)).toBe(3);
    expect(total(data, 'Requests', { ...events, status_class: '4xx' })).toBe(1);
    expect(total(data, 'RecordsRejected', events)).toBe(0);
  });

  it('counts a 5xx when Firehose fails, and accepts nothing', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalFailure' }));
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    expect(answer.statusCode).toBe(503);
    const data = emf.data();
    expect(total(data, 'Requests', { ...events, status_class: '5xx' })).toBe(1);
    expect(total(data, 'RecordsAccepted', events)).toBe(0);
  });

  it('names an unknown stream by a fixed value, never by the id the client sent', async () => {
    const emf = captureEmf();
    const handler = createAwsIngestHandler(tenant);
    const answer = await handler(ingestEvent({ stream: 'no-such-stream-42' }), lambdaContext());
    expect(answer.statusCode).toBe(404);
    expect(total(emf.data(), 'Requests', { tenant: 'example', stream: UNKNOWN_STREAM, status_class: '4xx' })).toBe(1);
    expect(emf.lines().join('\n')).not.toContain('no-such-stream-42');
  });

  it('counts dry runs as DryRuns by status class, never as Requests or records, and calls no Firehose', async () => {
    const emf = captureEmf();
    const handler = createAwsIngestHandler(tenant);
    const dryRun = (body: string, contentType = 'application/json') => {
      const path = validatePath('events');
      return handler(
        { ...ingestEvent({ stream: 'events', body, contentType }), routeKey: `POST ${path}`, rawPath: path },
        lambdaContext(),
      );
    };
    expect((await dryRun('{"n":1}\n[2]\n', 'application/x-ndjson')).statusCode).toBe(200);
    expect((await dryRun('[2]\n', 'application/x-ndjson')).statusCode).toBe(400);
    const data = emf.data();
    expect(total(data, 'DryRuns', { ...events, status_class: '2xx' })).toBe(1);
    expect(total(data, 'DryRuns', { ...events, status_class: '4xx' })).toBe(1);
    expect(data.filter((datum) => datum.name === 'Requests')).toEqual([]);
    expect(total(data, 'RecordsAccepted', events)).toBe(0);
    expect(total(data, 'RecordsRejected', events)).toBe(0);
    expect(firehoseMock.calls()).toHaveLength(0);
  });

  it('writes each invocation its own metrics, nothing carried over', async () => {
    const emf = captureEmf();
    firehoseMock.on(PutRecordBatchCommand).resolves(acknowledged(1));
    const handler = createAwsIngestHandler(tenant);
    await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    const afterFirst = emf.data().length;
    await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    expect(emf.data().length).toBe(afterFirst * 2);
    expect(total(emf.data(), 'RecordsAccepted', events)).toBe(2);
  });
});
