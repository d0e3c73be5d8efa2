/**
 * What makes the dev server watchable, wired in one place: the prom-client recorder that the
 * ingest handler and the pull runner record into (as into EMF lines on AWS), the local-only
 * gauges, `GET /metrics` and the status route of `sluice status`. Both pages read the same
 * registry, so that a scraper and `sluice status` never disagree.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import type { TenantConfig } from '#shared/config/tenant-config';
import type { FirehoseEmulation } from '../firehose/firehose-emulation.ts';
import type { LocalPull } from '../pull/local-pull.ts';
import { tenantSourceNames } from '../pull/tenant-sources.ts';
import { collectDevStatus } from './dev-status.ts';
import { registerLocalGauges } from './local-gauges.ts';
import { createMetricsRoute, isMetricsRequest } from './metrics-route.ts';
import { createPrometheusRecorder, type PrometheusRecorder } from './prometheus-recorder.ts';
import { createStatusRoute, STATUS_ROUTE_PATH } from './status-route.ts';

/** The server's observability. */
export interface DevObservability {
  /** The recorder to hand to the handlers. */
  readonly metrics: PrometheusRecorder;
  /** Binds the status route to the server's key and pull side (both exist only once the server is up). */
  expose(parts: { readonly key: string; readonly pull: LocalPull | undefined }): void;
  /** Tells the gauges and the status when sources run next. */
  scheduledBy(scheduler: { nextRun(source: string): Date | undefined } | undefined): void;
  /** Follows a reloaded config: /metrics and the status show its streams and sources, and no others. */
  reconfigure(next: TenantConfig): Promise<void>;
  /** Answers GET /metrics or the status route and returns true; false for any other request. */
  serve(request: IncomingMessage, response: ServerResponse): boolean;
}

/** Creates the registry of one dev server (never prom-client's global one). */
export function createDevObservability(options: {
  readonly tenant: TenantConfig;
  readonly delivery: FirehoseEmulation;
  readonly warn?: (message: string) => void;
}): DevObservability {
  const { delivery } = options;
  // The config being served: a live reload replaces it.
  let tenant = options.tenant;
  const registry = new Registry();
  const metrics = createPrometheusRecorder(registry, {
    tenant: tenant.tenant,
    streams: Object.keys(tenant.streams),
    ...(options.warn ? { warn: options.warn } : {}),
  });
  let nextRun: (source: string) => Date | undefined = () => undefined;
  const buffers = () => delivery.status();
  registerLocalGauges(registry, {
    tenant: tenant.tenant,
    buffers,
    get sources() {
      return tenantSourceNames(tenant);
    },
    nextRun: (source) => nextRun(source),
  });
  const metricsRoute = createMetricsRoute(registry);
  let statusRoute: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  return {
    metrics,
    expose({ key, pull }) {
      statusRoute = createStatusRoute({
        key,
        collect: () =>
          collectDevStatus({
            tenant,
            buffers,
            counts: (stream) => metrics.streamCounts(stream),
            sourceStates: pull && (() => pull.status()),
            nextRun: (source) => nextRun(source),
          }),
      });
    },
    async reconfigure(next) {
      tenant = next;
      await metrics.followStreams(Object.keys(next.streams));
    },
    scheduledBy(scheduler) {
      nextRun = (source) => scheduler?.nextRun(source);
    },
    serve(request, response) {
      if (isMetricsRequest(request)) {
        metricsRoute(request, response);
        return true;
      }
      if (statusRoute && (request.url ?? '').split('?')[0] === STATUS_ROUTE_PATH) {
        statusRoute(request, response);
        return true;
      }
      return false;
    },
  };
}
