/**
 * How a pull source reaches local mode's sample API whatever port the dev server listens on:
 * the example tenant names it by a fixed local-only origin, and local mode's fetch sends that
 * origin to the sample API it serves (the dev server's, or one of its own for `sluice pull`
 * without a dev server). Other URLs go out unchanged. On AWS nothing routes the origin, so a
 * source that names it fails there by design (docs/pull.md).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSampleApi, SAMPLE_API_PREFIX } from './sample-api.ts';

/** The origin tenant configs give the sample API (a `.localhost` name: it never leaves the machine). */
export const SAMPLE_API_ORIGIN = 'http://sample-api.sluice.localhost';

/** A fetch that sends `SAMPLE_API_ORIGIN/<path>` to `<base()>/sample-api/<path>` and anything else to `fetcher`. */
export function routeSampleApi(base: () => Promise<string>, fetcher: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin !== SAMPLE_API_ORIGIN) return fetcher(input, init);
    const target = `${await base()}${SAMPLE_API_PREFIX}${url.pathname.slice(1)}${url.search}`;
    return fetcher(input instanceof Request ? new Request(target, input) : target, init);
  };
}

/** A sample API on a free loopback port, started on first use, for a process without a dev server. */
export function ownSampleApi(file?: string): { base(): Promise<string>; close(): Promise<void> } {
  let started: Promise<{ server: Server; url: string }> | undefined;
  return {
    async base() {
      started ??= new Promise((resolve, reject) => {
        const server = createServer(createSampleApi(file));
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () =>
          resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
        );
      });
      return (await started).url;
    },
    async close() {
      if (!started) return;
      const { server } = await started;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
