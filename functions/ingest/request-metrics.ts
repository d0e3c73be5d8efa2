/**
 * Middy middleware that records each request's metrics: its status class and latency, and
 * the records a 400 refused. Used first, so that its `after` and `onError` run last and see
 * the answer the client gets, problem responses included. The stream dimension is the
 * route's stream only when the tenant has it: an unknown id is the client's text.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TenantConfig } from '#shared/config/tenant-config';
import { BatchRejectedError, WebhookSignatureError } from '#shared/contract/errors';
import { type MetricsRecorder, statusClass, UNKNOWN_STREAM } from '#shared/ports/metrics';
import { isReplayed } from './idempotency/replayed-answer.ts';
import { isDryRun, streamIdOf } from './ingest-request.ts';

type IngestRequest = Request<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>;

/** The stream dimension of a request: its stream id when the tenant has that stream, else UNKNOWN_STREAM. */
function streamDimension(tenant: TenantConfig, event: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>): string {
  const id = streamIdOf(event);
  return id !== undefined && Object.hasOwn(tenant.streams, id) ? id : UNKNOWN_STREAM;
}

/**
 * Records whole records refused by a 400: every entry of a refused batch, else the one record.
 * A dry run refuses nothing: its records were never posted.
 */
function refusedRecords(request: IngestRequest, status: number): number {
  if (request.error === undefined || isDryRun(request.event)) return 0;
  if (request.error instanceof BatchRejectedError) return request.error.rejected.length;
  return status === 400 ? 1 : 0;
}

/**
 * Records Requests (DryRuns for a dry run), HandlerLatency, the RecordsRejected of a 400, webhook signature failures and
 * idempotent replays; then `publish`, when
 * given (the EMF recorder writes once per invocation).
 */
export function requestMetrics(
  metrics: MetricsRecorder,
  tenant: TenantConfig,
  publish?: () => void,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2> {
  const startedAt = new WeakMap<IngestRequest, number>();
  const record = (request: IngestRequest) => {
    try {
      const status = request.response?.statusCode ?? 500;
      const dimensions = { tenant: tenant.tenant, stream: streamDimension(tenant, request.event) };
      // A dry run is a client checking its records, not traffic: counted apart, so that the
      // 2xx and 4xx of real posts (dashboards, alarms) stay what was posted.
      const requests = isDryRun(request.event) ? 'DryRuns' : 'Requests';
      metrics.count(requests, { ...dimensions, status_class: statusClass(status) });
      const started = startedAt.get(request);
      if (started !== undefined) metrics.observe('HandlerLatency', dimensions, performance.now() - started);
      const refused = refusedRecords(request, status);
      if (refused > 0) metrics.count('RecordsRejected', dimensions, refused);
      if (request.error instanceof WebhookSignatureError) metrics.count('WebhookSignatureFailures', dimensions);
      if (request.response && isReplayed(request.response)) metrics.count('IdempotentReplays', dimensions);
    } finally {
      publish?.();
    }
  };
  return {
    name: 'requestMetrics',
    before: (request) => {
      startedAt.set(request, performance.now());
    },
    after: record,
    onError: record,
  };
}
