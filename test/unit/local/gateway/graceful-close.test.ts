import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({ tenant: 'example', auth: { issuer: 'self' }, streams: { orders: { payload: 'json' } } });

/** GET `path` over `agent`'s kept-alive connection; resolves with the status once the body is read. */
function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('stopping sluice dev', () => {
  // Node's headers timeout would close these after 60 to 90 s; the test's 30 s timeout fails first.
  it('does not wait for a kept-alive connection or a socket a browser opened ahead of a request', async () => {
    const home = await tempHome();
    try {
      const server = await startDevServer({ tenant, home, port: 0, createHandler: stubIngestHandler().factory });
      const { port } = new URL(server.url);
      const agent = new Agent({ keepAlive: true });
      expect(await get(`${server.url}/health`, agent)).toBe(200);
      const kept = Object.values(agent.sockets).flat().concat(Object.values(agent.freeSockets).flat())[0];
      // A preconnected socket: connected, no request sent yet.
      const preconnected = connect(Number(port), '127.0.0.1');
      await once(preconnected, 'connect');

      const closed = [once(preconnected, 'close'), ...(kept ? [once(kept, 'close')] : [])];
      await server.close();
      await Promise.all(closed);
      expect(preconnected.destroyed).toBe(true);
      agent.destroy();
    } finally {
      await home.remove();
    }
  });
});
