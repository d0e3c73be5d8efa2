import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERY_CACHE_SECONDS } from '#functions/token-issuer/discovery/core';
import { type DevServer, startDevServer } from '#local/dev-server';
import { createPublicRoutes } from '#local/gateway/public-routes';
import {
  API_REFERENCE_SCRIPT_PATH,
  DOCS_PATH,
  HEALTH_PATH,
  ingestPath,
  JWKS_PATH,
  OPENAPI_PATH,
  OPENID_CONFIGURATION_PATH,
  PUBLIC_ROUTE_THROTTLE,
} from '#shared/contract/contract';
import { SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import exampleTenant from '#tenants/example';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const serverUrl = 'http://127.0.0.1:4000';
const publicRoutes = (clock?: () => number) =>
  createPublicRoutes({ tenant: exampleTenant, serverUrl, jwks: () => ({ keys: [] }), ...(clock ? { clock } : {}) });

describe('the local public routes', () => {
  it(`answers each public route's burst of ${PUBLIC_ROUTE_THROTTLE.burst}, then 429 until its bucket refills`, async () => {
    let now = 0;
    const route = publicRoutes(() => now);
    const status = async (path: string) => (await route(path, {}, 'req'))?.statusCode;
    for (const path of [OPENAPI_PATH, JWKS_PATH, OPENID_CONFIGURATION_PATH, HEALTH_PATH]) {
      for (let sent = 0; sent < PUBLIC_ROUTE_THROTTLE.burst; sent += 1) expect(await status(path)).toBe(200);
      expect(await status(path)).toBe(429);
    }
    expect(JSON.parse(String((await route(OPENAPI_PATH, {}, 'req'))?.body))).toEqual({ message: 'Too Many Requests' });
    // Each route has its own bucket, as each route has its own route settings on AWS.
    expect(await status(DOCS_PATH)).toBe(200);
    now += 1000 / PUBLIC_ROUTE_THROTTLE.rate;
    expect(await status(OPENAPI_PATH)).toBe(200);
    expect(await status(OPENAPI_PATH)).toBe(429);
  });

  it('leaves every other path to the rest of the gateway', () => {
    const route = publicRoutes();
    expect(route(ingestPath('orders'), {}, 'req')).toBeUndefined();
    expect(route(`${DOCS_PATH}/`, {}, 'req')).toBeUndefined();
    expect(route('/.well-known/other', {}, 'req')).toBeUndefined();
  });
});

describe('the local gateway with the public routes', () => {
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

  it('answers the discovery documents as the discovery function does, cacheable for 300 s', async () => {
    for (const path of [OPENID_CONFIGURATION_PATH, JWKS_PATH]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe(`public, max-age=${DISCOVERY_CACHE_SECONDS}`);
    }
  });

  it(`throttles the health route like the HTTP API's public route: ${PUBLIC_ROUTE_THROTTLE.burst} answered, then 429`, async () => {
    // No other test of this server gets /health, so its bucket is full.
    // Three bursts at once: the bucket (refilling 10/s) would need seconds to answer them all.
    const tries = Array.from({ length: 3 * PUBLIC_ROUTE_THROTTLE.burst }, () => fetch(`${server.url}${HEALTH_PATH}`));
    const statuses = (await Promise.all(tries)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(PUBLIC_ROUTE_THROTTLE.burst);
    expect(new Set(statuses)).toEqual(new Set([200, 429]));
  });

  it('answers 404 to another method on a docs path', async () => {
    expect((await fetch(`${server.url}${DOCS_PATH}`, { method: 'POST' })).status).toBe(404);
  });
});
