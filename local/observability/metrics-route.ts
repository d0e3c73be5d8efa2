/**
 * `GET /metrics` of the dev server: the registry in Prometheus text format. Public like
 * /health, with no key: the dev server listens on loopback only, a Prometheus scraper sends
 * no credentials, and the page holds counts and stream names, never a record, token or secret.
 * It is not one of the tenant's API routes (AWS has CloudWatch instead), so the gateway
 * does not see it and the access log does not list every scrape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Path of the metrics page. */
const METRICS_PATH = '/metrics';

/** Whether a request is for the metrics page (GET only; anything else goes on to the gateway's 404). */
export function isMetricsRequest(request: IncomingMessage): boolean {
  return request.method === 'GET' && (request.url ?? '').split('?')[0] === METRICS_PATH;
}

/** Serves the registry. */
export function createMetricsRoute(registry: Registry): (request: IncomingMessage, response: ServerResponse) => void {
  return (_request, response) => {
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        response.end(text);
      },
      (error: unknown) => {
        const text = `cannot collect the metrics: ${(error as Error).message}\n`;
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(text);
      },
    );
  };
}
