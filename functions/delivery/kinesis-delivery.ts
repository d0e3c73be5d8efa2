/**
 * Delivery to a Kinesis Data Stream (`PutRecords`): at most 500 records and 5 MiB per call
 * (partition keys included), calls in order, failed entries of a partial failure retried alone.
 * Each record gets a random partition key, which spreads load evenly over the shards; Sluice
 * promises no order between records, so nothing needs to land on the same shard.
 */
import { randomUUID } from 'node:crypto';
import { type KinesisClient, PutRecordsCommand, type PutRecordsInput } from '@aws-sdk/client-kinesis';
import { KINESIS_BATCH_LIMITS } from '#shared/contract/contract';
import { InternalError } from '#shared/contract/errors';
import { type DeliveryBindings, deliveryTarget } from '#shared/ports/delivery-bindings';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import type { DeadlineSignal } from './deadline.ts';
import { DEFAULT_RETRY_POLICY, entryErrorCodes, type RetryPolicy, sendWithEntryRetries } from './entry-retries.ts';
import { chunkRecords } from './record-chunks.ts';

const PARTITION_KEY_BYTES = 36;

interface KeyedRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly byteLength: number;
}

/** RecordDelivery over Kinesis `PutRecords`, for the channels whose target kind is `kinesis`. */
export class KinesisDelivery implements RecordDelivery {
  constructor(
    private readonly client: KinesisClient,
    private readonly bindings: DeliveryBindings,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async deliver(batch: DeliveryBatch): Promise<void> {
    const target = deliveryTarget(this.bindings, batch.streamId, batch.channel);
    if (target?.kind !== 'kinesis') {
      throw new InternalError(`No Kinesis target for ${batch.channel} of stream ${batch.streamId}.`);
    }
    const stream: Pick<PutRecordsInput, 'StreamName' | 'StreamARN'> = target.name.startsWith('arn:')
      ? { StreamARN: target.name }
      : { StreamName: target.name };
    const send = async (records: readonly KeyedRecord[], signal: DeadlineSignal) => {
      const output = await this.client.send(
        new PutRecordsCommand({
          ...stream,
          Records: records.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
        }),
        { abortSignal: signal },
      );
      return entryErrorCodes(records.length, output.FailedRecordCount, output.Records, (result) =>
        Boolean(result.SequenceNumber),
      );
    };
    const keyed = batch.records.map(
      (data): KeyedRecord => ({ data, partitionKey: randomUUID(), byteLength: data.byteLength }),
    );
    for (const chunk of chunkRecords(keyed, KINESIS_BATCH_LIMITS, PARTITION_KEY_BYTES)) {
      await sendWithEntryRetries(chunk, send, {
        service: 'Kinesis',
        deadlineAt: batch.deadlineAt,
        policy: this.policy,
        report: batch.report,
      });
    }
  }
}
