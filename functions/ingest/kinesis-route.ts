/**
 * The Kinesis route of the ingest function. Only entries of tenants with a `delivery: 'kinesis'`
 * stream import this file, so other bundles carry no Kinesis client.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { RecordDelivery } from '#shared/delivery';
import type { DeliveryBindings } from '#shared/delivery/delivery-bindings';
import { KinesisDelivery } from '#shared/delivery/kinesis-delivery';

let client: KinesisClient | undefined;

/** Kinesis delivery over one client per process. Standard retry mode retries whole throttled or failed calls. */
export function kinesisRoute(bindings: DeliveryBindings): RecordDelivery {
  client ??= new KinesisClient({ retryMode: 'standard', maxAttempts: 3 });
  return new KinesisDelivery(client, bindings);
}
