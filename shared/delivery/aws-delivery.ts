/** The AWS RecordDelivery: routes each batch to Firehose or Kinesis by its binding's target kind. */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DeliveryBatch, RecordDelivery } from '../delivery.ts';
import { InternalError } from '../errors.ts';
import { type DeliveryBindings, deliveryTarget } from './delivery-bindings.ts';
import type { RetryPolicy } from './entry-retries.ts';
import { FirehoseDelivery } from './firehose-delivery.ts';
import { KinesisDelivery } from './kinesis-delivery.ts';

/** Clients the AWS delivery uses; created once per process by the caller. */
export interface AwsDeliveryClients {
  readonly firehose: FirehoseClient;
  readonly kinesis: KinesisClient;
}

/** RecordDelivery that sends each batch to the Firehose or Kinesis target its binding names. */
export class AwsDelivery implements RecordDelivery {
  private readonly firehose: FirehoseDelivery;
  private readonly kinesis: KinesisDelivery;

  constructor(
    clients: AwsDeliveryClients,
    private readonly bindings: DeliveryBindings,
    policy?: RetryPolicy,
  ) {
    this.firehose = new FirehoseDelivery(clients.firehose, bindings, policy);
    this.kinesis = new KinesisDelivery(clients.kinesis, bindings, policy);
  }

  deliver(batch: DeliveryBatch): Promise<void> {
    const target = deliveryTarget(this.bindings, batch.streamId, batch.channel);
    if (target === undefined) {
      return Promise.reject(new InternalError(`No delivery target for ${batch.channel} of stream ${batch.streamId}.`));
    }
    return target.kind === 'kinesis' ? this.kinesis.deliver(batch) : this.firehose.deliver(batch);
  }
}
