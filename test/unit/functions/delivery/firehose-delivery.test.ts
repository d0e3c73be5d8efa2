import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { FIREHOSE_BATCH_LIMITS } from '#shared/contract/contract';
import { DeadlineExceededError, InternalError } from '#shared/contract/errors';
import { parseDeliveryBindings } from '#shared/ports/delivery-bindings';

const firehoseMock = mockClient(FirehoseClient);
const bindings = parseDeliveryBindings(JSON.stringify({ s: { records: { kind: 'firehose', name: 's-fh' } } }));
const delivery = new FirehoseDelivery(new FirehoseClient({ region: 'eu-west-1' }), bindings, {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
});

function acknowledgeAll() {
  firehoseMock.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map((_, index) => ({ RecordId: String(index) })),
  }));
}

afterEach(() => {
  firehoseMock.reset();
});

describe('FirehoseDelivery', () => {
  it('sends at most 500 records per call, in order', async () => {
    acknowledgeAll();
    const records = Array.from({ length: 1_201 }, (_, index) => new TextEncoder().encode(`{"n":${index}}\n`));
    await delivery.deliver({ streamId: 's', channel: 'records', records, deadlineAt: Date.now() + 5_000 });
    const sizes = firehoseMock.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input.Records?.length);
    expect(sizes).toEqual([500, 500, 201]);
    const sent = firehoseMock.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records ?? []);
    expect(sent.map((record) => record.Data)).toEqual(records);
  });

  it('keeps every call under 4 MiB', async () => {
    acknowledgeAll();
    const record = new Uint8Array(1_000_000);
    await delivery.deliver({
      streamId: 's',
      channel: 'records',
      records: Array.from({ length: 9 }, () => record),
      deadlineAt: Date.now() + 5_000,
    });
    for (const call of firehoseMock.commandCalls(PutRecordBatchCommand)) {
      const bytes = (call.args[0].input.Records ?? []).reduce((sum, r) => sum + (r.Data?.byteLength ?? 0), 0);
      expect(bytes).toBeLessThanOrEqual(FIREHOSE_BATCH_LIMITS.bytes);
    }
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
  });

  it('treats an entry without a RecordId as not acknowledged', async () => {
    firehoseMock
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: 'a' }] })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }] });
    const records = [new Uint8Array([1]), new Uint8Array([2])];
    await delivery.deliver({ streamId: 's', channel: 'records', records, deadlineAt: Date.now() + 5_000 });
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)[1]?.args[0].input.Records).toEqual([{ Data: records[1] }]);
  });

  it('throws DeadlineExceededError when the deadline has already passed', async () => {
    acknowledgeAll();
    const batch = {
      streamId: 's',
      channel: 'records' as const,
      records: [new Uint8Array([1])],
      deadlineAt: Date.now() - 1,
    };
    await expect(delivery.deliver(batch)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });

  it('throws InternalError for a stream without a Firehose target', async () => {
    const batch = { streamId: 's', channel: 'dead-letter' as const, records: [], deadlineAt: Date.now() + 1_000 };
    await expect(delivery.deliver(batch)).rejects.toBeInstanceOf(InternalError);
  });
});
