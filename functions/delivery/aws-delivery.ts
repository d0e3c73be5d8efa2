/** The AWS RecordDelivery: routes each batch to Firehose or Kinesis by its binding's target kind. */

import { InternalError } from '#shared/contract/errors';
import { type DeliveryBindings, deliveryTarget } from '#shared/ports/delivery-bindings';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';

/**
 * Where each kind of target goes. Kinesis is optional so that a tenant without Kinesis
 * streams does not bundle the Kinesis client.
 */
export interface DeliveryRoutes {
  readonly firehose: RecordDelivery;
  readonly kinesis?: RecordDelivery;
}

/** Whether any binding names a Kinesis target. */
export function bindsKinesis(bindings: DeliveryBindings): boolean {
  return Object.values(bindings).some(
    (binding) => binding.records.kind === 'kinesis' || binding.deadLetter?.kind === 'kinesis',
  );
}

/** RecordDelivery that sends each batch to the Firehose or Kinesis route its binding names. */
export class AwsDelivery implements RecordDelivery {
  constructor(
    private readonly routes: DeliveryRoutes,
    private readonly bindings: DeliveryBindings,
  ) {
    if (bindsKinesis(bindings) && routes.kinesis === undefined) {
      throw new Error('the delivery targets name a Kinesis stream, but no Kinesis route was given');
    }
  }

  deliver(batch: DeliveryBatch): Promise<void> {
    const target = deliveryTarget(this.bindings, batch.streamId, batch.channel);
    if (target === undefined) {
      return Promise.reject(new InternalError(`No delivery target for ${batch.channel} of stream ${batch.streamId}.`));
    }
    const route = target.kind === 'kinesis' ? this.routes.kinesis : this.routes.firehose;
    return route ? route.deliver(batch) : Promise.reject(new InternalError('No Kinesis route.'));
  }
}
