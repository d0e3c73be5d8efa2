/**
 * The Kinesis route of the ingest and pull functions. Only bundles of tenants with a
 * `delivery: 'kinesis'` stream alias `#kinesis-route` to this file (infra/function-bundling.ts),
 * so other bundles carry no Kinesis client.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisDelivery } from '#functions/delivery/kinesis-delivery';
import type { DeliveryBindings } from '#shared/ports/delivery-bindings';
import type { RecordDelivery } from '#shared/ports/delivery-port';

/** Builds the Kinesis route for the bindings; what `#kinesis-route` exports, or undefined in a bundle without Kinesis. */
export type KinesisRouteFactory = (bindings: DeliveryBindings) => RecordDelivery;

let client: KinesisClient | undefined;

/** Kinesis delivery over one client per process. Standard retry mode retries whole throttled or failed calls. */
export const kinesisRoute: KinesisRouteFactory = (bindings) => {
  client ??= new KinesisClient({ retryMode: 'standard', maxAttempts: 3 });
  return new KinesisDelivery(client, bindings);
};
