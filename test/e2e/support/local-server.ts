/** Local mode for tests: a dev server with the real ingest handler on a free port and a fresh data home. */
import { type DevServer, type DevServerOptions, startDevServer } from '#local/dev-server';
import type { TenantConfig } from '#shared/config/tenant-config';
import { loadTenant } from '#shared/config/tenant-loader';
import { tempHome } from './temp-home.ts';

/** A running server, its data home, and how to stop both. */
export interface TestServer {
  readonly server: DevServer;
  readonly home: Awaited<ReturnType<typeof tempHome>>;
  readonly token: string;
  /** Flushes and stops the server (idempotent). */
  stop(): Promise<void>;
  /** Stops the server and removes its data. */
  remove(): Promise<void>;
}

/** Starts local mode for a tenant (default: tenants/example.ts). */
export async function startTestServer(
  options: { tenant?: TenantConfig; flushSeconds?: number; log?: DevServerOptions['log'] } = {},
): Promise<TestServer> {
  const tenant = options.tenant ?? (await loadTenant()).config;
  const home = await tempHome(tenant.tenant);
  const server = await startDevServer({
    tenant,
    home,
    port: 0,
    // Tests of the push side count what lands; the example's sample source would add to it.
    schedules: false,
    ...(options.flushSeconds === undefined ? {} : { flushSeconds: options.flushSeconds }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const token = await server.createToken();
  return {
    server,
    home,
    token,
    stop: () => server.close(),
    remove: async () => {
      await server.close();
      await home.remove();
    },
  };
}

/** Posts a body to a stream of the server. */
export function post(
  server: DevServer,
  streamId: string,
  body: string | Uint8Array,
  options: { token?: string | undefined; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${server.url}/stream/v0/data/${streamId}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body,
  });
}
