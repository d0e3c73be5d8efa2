/**
 * The Kinesis route of the ingest function. Only entries of tenants with a `delivery: 'kinesis'`
 * stream import this file, so other bundles carry no Kinesis client.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisDelivery } from '#functions/delivery/kinesis-delivery';
import type { DeliveryBindings } from '#shared/ports/delivery-bindings';
import type { RecordDelivery } from '#shared/ports/delivery-port';

let client: KinesisClient | undefined;

/** Kinesis delivery over one client per process. Standard retry mode retries whole throttled or failed calls. */
export function kinesisRoute(bindings: DeliveryBindings): RecordDelivery {
  client ??= new KinesisClient({ retryMode: 'standard', maxAttempts: 3 });
  return new KinesisDelivery(client, bindings);
}
