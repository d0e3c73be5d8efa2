import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { LocalPull, RunOptions } from '#local/pull/local-pull';
import { createPullRoutes } from '#local/pull/pull-admin-route';
import { defineTenant } from '#shared/config/tenant-config';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: { events: { payload: 'json' } },
  sources: {
    sample: { stream: 'events', schedule: 'rate(1 minute)', request: { url: 'http://127.0.0.1:1/items' } },
  },
});

describe('the dev server pull route', () => {
  it('stops the run when sluice pull goes away (Ctrl-C or SIGTERM closes its request)', async () => {
    let given: RunOptions | undefined;
    const pull: LocalPull = {
      run: (_name, options = {}) => {
        given = options;
        // Like the runner: the run ends once it is stopped.
        return new Promise((_resolve, reject) =>
          options.signal?.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      },
      status: async () => [],
      stop: () => undefined,
    };
    const runs: Promise<unknown>[] = [];
    const routes = createPullRoutes({ tenant, pull, key: 'k', track: (run) => runs.push(run) });
    const server = createServer(routes);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const caller = new AbortController();
      const { port } = server.address() as AddressInfo;
      const request = fetch(`http://127.0.0.1:${port}/_sluice/pull/sample`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        signal: caller.signal,
      }).catch((error: unknown) => error);
      await vi.waitFor(() => expect(given?.signal?.aborted).toBe(false));
      caller.abort();
      await request;
      await vi.waitFor(() => expect(given?.signal?.aborted).toBe(true));
      await Promise.allSettled(runs);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
