import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { createApiDocsRoute } from '#local/gateway/api-docs-route';
import {
  API_REFERENCE_SCRIPT_PATH,
  DOCS_PATH,
  HEALTH_PATH,
  ingestPath,
  OPENAPI_PATH,
  PUBLIC_ROUTE_THROTTLE,
} from '#shared/contract/contract';
import { SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import exampleTenant from '#tenants/example';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

describe('the local docs routes', () => {
  it(`answers each public route's burst of ${PUBLIC_ROUTE_THROTTLE.burst}, then 429 until its bucket refills`, () => {
    let now = 0;
    const route = createApiDocsRoute(exampleTenant, 'http://127.0.0.1:4000', () => now);
    const status = (path: string) => route(path, {}, 'req')?.statusCode;
    for (let sent = 0; sent < PUBLIC_ROUTE_THROTTLE.burst; sent += 1) expect(status(OPENAPI_PATH)).toBe(200);
    expect(status(OPENAPI_PATH)).toBe(429);
    expect(JSON.parse(String(route(OPENAPI_PATH, {}, 'req')?.body))).toEqual({ message: 'Too Many Requests' });
    // Each route has its own bucket, as each route has its own route settings on AWS.
    expect(status(DOCS_PATH)).toBe(200);
    now += 1000 / PUBLIC_ROUTE_THROTTLE.rate;
    expect(status(OPENAPI_PATH)).toBe(200);
    expect(status(OPENAPI_PATH)).toBe(429);
  });

  it('leaves every other path to the rest of the gateway', () => {
    const route = createApiDocsRoute(exampleTenant, 'http://127.0.0.1:4000');
    expect(route(HEALTH_PATH, {}, 'req')).toBeUndefined();
    expect(route(ingestPath('orders'), {}, 'req')).toBeUndefined();
    expect(route(`${DOCS_PATH}/`, {}, 'req')).toBeUndefined();
  });
});

describe('the local gateway with the docs routes', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: DevServer;

  beforeAll(async () => {
    home = await tempHome();
    server = await startDevServer({
      tenant: exampleTenant,
      home,
      port: 0,
      createHandler: stubIngestHandler().factory,
      openPull: false,
    });
  });

  afterAll(async () => {
    await server.close();
    await home.remove();
  });

  it("answers the OpenAPI document without a token, naming the gateway's own URL as its server", async () => {
    const response = await fetch(`${server.url}${OPENAPI_PATH}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { servers: unknown }).servers).toMatchObject([{ url: server.url }]);
  });

  it('answers the docs page without a token', async () => {
    const response = await fetch(`${server.url}${DOCS_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain(`data-url="${OPENAPI_PATH}"`);
  });

  it("serves Scalar's installed bundle gzipped when asked, byte for byte", async () => {
    const answer = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const outgoing = request(`${server.url}${API_REFERENCE_SCRIPT_PATH}`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }),
        );
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(answer.encoding).toBe('gzip');
    const installed = readFileSync(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
    expect(gunzipSync(answer.body).equals(installed)).toBe(true);
  });

  it('answers 404 to another method on a docs path', async () => {
    expect((await fetch(`${server.url}${DOCS_PATH}`, { method: 'POST' })).status).toBe(404);
  });
});
