/**
 * What `#kinesis-route` resolves to in the bundle of a tenant without a Kinesis
 * stream: no route, so the bundle carries no Kinesis client.
 */
import type { KinesisRouteFactory } from './kinesis-route.ts';

/** No Kinesis route. */
export const kinesisRoute: KinesisRouteFactory | undefined = undefined;
