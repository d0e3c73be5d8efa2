import { FirehoseClient, PutRecordBatchCommand, ServiceUnavailableException } from '@aws-sdk/client-firehose';
import {
  InternalFailureException,
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import type { RetryPolicy } from '#functions/delivery/entry-retries';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { KinesisDelivery } from '#functions/delivery/kinesis-delivery';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { problemType } from '#shared/contract/errors';
import { type DeliveryBindings, parseDeliveryBindings } from '#shared/ports/delivery-bindings';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import tenant from '#tenants/example';
import { bodyOf, capturedLogger, ingestEvent, lambdaContext } from './ingest-fixtures.ts';

const firehoseMock = mockClient(FirehoseClient);
const kinesisMock = mockClient(KinesisClient);

const FAST_RETRIES: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4 };

const bindings = parseDeliveryBindings(
  JSON.stringify({
    orders: { records: { kind: 'firehose', name: 'orders-fh' }, deadLetter: { kind: 'firehose', name: 'orders-dlq' } },
    events: { records: { kind: 'kinesis', name: 'events-ks' } },
    profiles: { records: { kind: 'firehose', name: 'profiles-fh' } },
  }),
);

/** Firehose and Kinesis routes over fresh clients (the mocks intercept them), with fast retries. */
function awsDelivery(targets: DeliveryBindings): AwsDelivery {
  return new AwsDelivery(
    {
      firehose: new FirehoseDelivery(new FirehoseClient({ region: 'eu-west-1' }), targets, FAST_RETRIES),
      kinesis: new KinesisDelivery(new KinesisClient({ region: 'eu-west-1' }), targets, FAST_RETRIES),
    },
    targets,
  );
}

function setup(deliveryDeadlineMs = 2_000) {
  const delivery: RecordDelivery = awsDelivery(bindings);
  const { logger } = capturedLogger();
  const handler = createIngestHandler({ tenant, delivery, logger, deliveryDeadlineMs });
  return (stream: string, body: string, contentType = 'application/json') =>
    handler(ingestEvent({ stream, body, contentType }), lambdaContext());
}

const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data);
const ndjson = (count: number) => Array.from({ length: count }, (_, index) => `{"n":${index}}`).join('\n');

/** Every record Firehose was sent, per call, as text. */
function firehoseCalls(): string[][] {
  return firehoseMock
    .commandCalls(PutRecordBatchCommand)
    .map((call) => (call.args[0].input.Records ?? []).map((record) => text(record.Data)));
}

function kinesisCalls(): string[][] {
  return kinesisMock
    .commandCalls(PutRecordsCommand)
    .map((call) => (call.args[0].input.Records ?? []).map((record) => text(record.Data)));
}

afterEach(() => {
  firehoseMock.reset();
  kinesisMock.reset();
  vi.restoreAllMocks();
});

describe('delivery through Firehose', () => {
  it('delivers a single record to its Firehose stream and answers 202', async () => {
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r-1' }] });
    const order = '{"order_id":"o-1","customer_id":"c","amount":1,"currency":"EUR","placed_at":"2025-01-01T00:00:00Z"}';
    const response = await setup()('orders', order);
    expect(response.statusCode).toBe(202);
    expect(firehoseCalls()).toEqual([[`${order}\n`]]);
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe('orders-fh');
  });

  it('resends only the failed entries of a partial failure: nothing sent twice, nothing lost', async () => {
    const acknowledged: string[] = [];
    let call = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake((input: { Records: { Data: Uint8Array }[] }) => {
      call++;
      const responses = input.Records.map((record, index) => {
        if (call === 1 && index % 2 === 1)
          return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' };
        acknowledged.push(text(record.Data));
        return { RecordId: `r-${call}-${index}` };
      });
      return {
        FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
        Encrypted: false,
        RequestResponses: responses,
      };
    });
    const batch = await setupBatchThroughFirehose()('events', ndjson(5), 'application/x-ndjson');
    expect(batch.statusCode).toBe(202);
    const calls = firehoseCalls();
    const expected = Array.from({ length: 5 }, (_, index) => `{"n":${index}}\n`);
    expect(calls[0]).toEqual(expected);
    expect(calls[1]).toEqual([expected[1], expected[3]]);
    expect(calls).toHaveLength(2);
    expect([...acknowledged].sort()).toEqual([...expected].sort());
  });

  it('answers 429 with Retry-After when Firehose keeps throttling entries', async () => {
    firehoseMock.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }],
    });
    const response = await setup()('profiles', '<p/>', 'application/xml');
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(firehoseCalls()).toHaveLength(FAST_RETRIES.maxAttempts);
  });

  it('answers 429 when the whole call is throttled', async () => {
    firehoseMock
      .on(PutRecordBatchCommand)
      .rejects(new ServiceUnavailableException({ message: 'Slow down.', $metadata: { httpStatusCode: 503 } }));
    const response = await setup()('profiles', '<p/>', 'application/xml');
    expect(response.statusCode).toBe(429);
  });

  it('answers 503 when entries keep failing with InternalFailure', async () => {
    firehoseMock.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }],
    });
    const response = await setup()('profiles', '<p/>', 'application/xml');
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('oops');
  });

  it('answers 500 without internals when the delivery stream does not exist', async () => {
    const error = Object.assign(new Error('Firehose orders-fh under account 123456789012 not found.'), {
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    firehoseMock.on(PutRecordBatchCommand).rejects(error);
    const response = await setup()('profiles', '<p/>', 'application/xml');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('123456789012');
  });

  it('answers 504 when Firehose does not answer before the deadline', async () => {
    firehoseMock
      .on(PutRecordBatchCommand)
      .callsFake(
        () => new Promise((resolve) => setTimeout(() => resolve({ FailedPutCount: 0, RequestResponses: [] }), 400)),
      );
    const response = await setup(30)('profiles', '<p/>', 'application/xml');
    expect(response.statusCode).toBe(504);
    expect(bodyOf(response)).toMatchObject({ type: problemType('deadline-exceeded') });
  });
});

/** A handler whose `events` stream goes to Firehose, for batch scenarios. */
function setupBatchThroughFirehose() {
  const firehoseBindings = parseDeliveryBindings(
    JSON.stringify({ events: { records: { kind: 'firehose', name: 'events-fh' } } }),
  );
  const delivery = awsDelivery(firehoseBindings);
  const handler = createIngestHandler({ tenant, delivery, logger: capturedLogger().logger, deliveryDeadlineMs: 2_000 });
  return (stream: string, body: string, contentType: string) =>
    handler(ingestEvent({ stream, body, contentType }), lambdaContext());
}

describe('delivery through Kinesis', () => {
  it('resends only the failed entries of a partial failure: nothing sent twice, nothing lost', async () => {
    const acknowledged: string[] = [];
    let call = 0;
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: { Data: Uint8Array }[] }) => {
      call++;
      const results = input.Records.map((record, index) => {
        if (call === 1 && index < 2) return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'x' };
        acknowledged.push(text(record.Data));
        return { SequenceNumber: `${call}-${index}`, ShardId: 'shardId-000000000000' };
      });
      return { FailedRecordCount: call === 1 ? 2 : 0, Records: results };
    });
    const response = await setup()('events', ndjson(4), 'application/x-ndjson');
    expect(response.statusCode).toBe(202);
    const expected = Array.from({ length: 4 }, (_, index) => `{"n":${index}}\n`);
    expect(kinesisCalls()).toEqual([expected, expected.slice(0, 2)]);
    expect([...acknowledged].sort()).toEqual([...expected].sort());
    const keys = kinesisMock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.map((r) => r.PartitionKey);
    expect(new Set(keys).size).toBe(4);
    expect(kinesisMock.commandCalls(PutRecordsCommand)[0]?.args[0].input.StreamName).toBe('events-ks');
  });

  it('answers 429 when Kinesis keeps throttling', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    const response = await setup()('events', '{"a":1}');
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('1');
  });

  it('answers 503 when Kinesis fails', async () => {
    kinesisMock.on(PutRecordsCommand).rejects(new InternalFailureException({ message: 'boom', $metadata: {} }));
    const response = await setup()('events', '{"a":1}');
    expect(response.statusCode).toBe(503);
  });

  it('answers 504 when Kinesis does not answer before the deadline', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ FailedRecordCount: 0, Records: [] }), 400)));
    const response = await setup(30)('events', '{"a":1}');
    expect(response.statusCode).toBe(504);
  });
});
