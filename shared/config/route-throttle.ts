/**
 * The throttle of a stream's routes, as API Gateway applies it on AWS and the local gateway
 * applies it locally: the stream's own, else the webhook default for a route without an
 * authorizer, else the tenant's default route throttle.
 */
import { WEBHOOK_ROUTE_THROTTLE } from '../contract/contract.ts';
import type { StreamConfig, TenantConfig } from './tenant-config.ts';
import { isWebhookStream } from './webhook-config.ts';

/** Requests per second and burst of one route. */
export interface RouteThrottle {
  readonly rate: number;
  readonly burst: number;
}

/** The throttle of a stream's post and dry-run routes (each route has its own bucket). */
export function streamRouteThrottle(stream: StreamConfig, tenant: Pick<TenantConfig, 'throttle'>): RouteThrottle {
  if (stream.throttle) return stream.throttle;
  return isWebhookStream(stream) ? WEBHOOK_ROUTE_THROTTLE : tenant.throttle;
}
