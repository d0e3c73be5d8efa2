/**
 * Delivery to Amazon Data Firehose with Direct PUT (`PutRecordBatch`): at most 500 records and
 * 4 MiB per call, calls in order, failed entries of a partial failure retried alone.
 */
import { type _Record, type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { FIREHOSE_BATCH_LIMITS } from '#shared/contract/contract';
import { InternalError } from '#shared/contract/errors';
import { type DeliveryBindings, deliveryTarget } from '#shared/ports/delivery-bindings';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import type { DeadlineSignal } from './deadline.ts';
import { DEFAULT_RETRY_POLICY, entryErrorCodes, type RetryPolicy, sendWithEntryRetries } from './entry-retries.ts';
import { chunkRecords } from './record-chunks.ts';

/** RecordDelivery over Firehose Direct PUT, for the channels whose target kind is `firehose`. */
export class FirehoseDelivery implements RecordDelivery {
  constructor(
    private readonly client: FirehoseClient,
    private readonly bindings: DeliveryBindings,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async deliver(batch: DeliveryBatch): Promise<void> {
    const target = deliveryTarget(this.bindings, batch.streamId, batch.channel);
    if (target?.kind !== 'firehose') {
      throw new InternalError(`No Firehose target for ${batch.channel} of stream ${batch.streamId}.`);
    }
    const send = async (records: readonly Uint8Array[], signal: DeadlineSignal) => {
      const output = await this.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: target.name,
          Records: records.map((data): _Record => ({ Data: data })),
        }),
        { abortSignal: signal },
      );
      return entryErrorCodes(records.length, output.FailedPutCount, output.RequestResponses, (response) =>
        Boolean(response.RecordId),
      );
    };
    for (const chunk of chunkRecords(batch.records, FIREHOSE_BATCH_LIMITS)) {
      await sendWithEntryRetries(chunk, send, {
        service: 'Firehose',
        deadlineAt: batch.deadlineAt,
        policy: this.policy,
        report: batch.report,
      });
    }
  }
}
