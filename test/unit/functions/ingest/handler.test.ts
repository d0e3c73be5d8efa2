import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsIngestHandler } from '#functions/ingest/create-aws-ingest-handler';
import { kinesisRoute } from '#functions/shared/kinesis-route';
import { ENV } from '#shared/contract/environment';
import tenant from '#tenants/example';
import { ingestEvent, lambdaContext } from './ingest-fixtures.ts';

const firehoseMock = mockClient(FirehoseClient);
const kinesisMock = mockClient(KinesisClient);
const dynamoDbMock = mockClient(DynamoDBClient);

const targets = {
  orders: { records: { kind: 'firehose', name: 'orders-fh' }, deadLetter: { kind: 'firehose', name: 'orders-dlq' } },
  events: { records: { kind: 'kinesis', name: 'arn:aws:kinesis:eu-west-1:123456789012:stream/events' } },
  profiles: { records: { kind: 'firehose', name: 'profiles-fh' } },
  github: { records: { kind: 'firehose', name: 'github-fh' } },
};

beforeEach(() => {
  vi.stubEnv(ENV.idempotencyTable, 'idempotency-table');
});

afterEach(() => {
  firehoseMock.reset();
  kinesisMock.reset();
  dynamoDbMock.reset();
  vi.unstubAllEnvs();
});

describe('createAwsIngestHandler', () => {
  it('routes each stream to the target its binding names', async () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify(targets));
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '1' }] });
    kinesisMock
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    const handler = createAwsIngestHandler(tenant, kinesisRoute);
    const events = await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    expect(events.statusCode).toBe(202);
    expect(kinesisMock.commandCalls(PutRecordsCommand)[0]?.args[0].input.StreamARN).toBe(targets.events.records.name);
    const bad = await handler(ingestEvent({ stream: 'orders', body: '{"order_id":1}' }), lambdaContext());
    expect(bad.statusCode).toBe(400);
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe('orders-dlq');
  });

  it('keeps Idempotency-Key records in the table ENV.idempotencyTable names, keyed by tenant and stream', async () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify(targets));
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '1' }] });
    dynamoDbMock.on(PutItemCommand).resolves({});
    dynamoDbMock.on(UpdateItemCommand).resolves({});
    const handler = createAwsIngestHandler(tenant, kinesisRoute);
    const event = ingestEvent({ stream: 'profiles', contentType: 'application/xml', body: '<p/>' });
    const answer = await handler(
      { ...event, headers: { ...event.headers, 'idempotency-key': 'retry-1' } },
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(202);
    const put = dynamoDbMock.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe('idempotency-table');
    expect(put?.Item?.id?.S).toMatch(/^example#profiles#/);
    expect(put?.Item?.id?.S).not.toContain('retry-1');
    expect(put?.Item?.status?.S).toBe('INPROGRESS');
    const stored = dynamoDbMock.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(stored?.ExpressionAttributeValues?.[':status']?.S).toBe('COMPLETED');
  });

  it('fails at cold start without the Idempotency-Key table', () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ ...targets, events: targets.profiles }));
    vi.stubEnv(ENV.idempotencyTable, '');
    expect(() => createAwsIngestHandler(tenant)).toThrow(`${ENV.idempotencyTable} is missing`);
  });

  it('fails at cold start when a stream has no delivery target', () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ ...targets, orders: { records: targets.orders.records } }));
    expect(() => createAwsIngestHandler(tenant)).toThrow(/orders\.deadLetter/);
  });

  it('fails at cold start when the delivery targets are missing or malformed', () => {
    vi.stubEnv(ENV.deliveryTargets, '');
    expect(() => createAwsIngestHandler(tenant)).toThrow(/missing/);
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ orders: { records: { kind: 'sqs', name: 'q' } } }));
    expect(() => createAwsIngestHandler(tenant)).toThrow(/orders\.records\.kind/);
  });

  it('fails at cold start when a target is a Kinesis stream but the bundle has no Kinesis route', () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify(targets));
    expect(() => createAwsIngestHandler(tenant)).toThrow(/Kinesis/);
  });
});

describe('the static ingest entry', () => {
  it('exports the handler Lambda calls, bound to the tenant config at bundle time', async () => {
    vi.stubEnv(
      ENV.deliveryTargets,
      JSON.stringify({ ...targets, events: { records: { kind: 'firehose', name: 'events-fh' } } }),
    );
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '1' }] });
    const { handler } = await import('#functions/ingest/handler');
    const answer = await handler(ingestEvent({ stream: 'events', body: '{"a":1}' }), lambdaContext());
    expect(answer.statusCode).toBe(202);
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe('events-fh');
  });
});
