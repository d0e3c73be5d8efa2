import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { guardedListener } from '#local/guarded-listener';

async function serve(listener: Parameters<typeof guardedListener>[0]) {
  const lines: string[] = [];
  const server = createServer(guardedListener(listener, (line) => lines.push(line)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('a route that fails unexpectedly', () => {
  it.each([
    [
      'throws',
      () => {
        throw new URIError('URI malformed');
      },
    ],
    ['rejects', async () => Promise.reject(new URIError('URI malformed'))],
  ])('answers a 500 problem and logs one line without the query when it %s', async (_, listener) => {
    const server = await serve(listener);
    try {
      const response = await fetch(`${server.url}/_sluice/pull/x?token=secret`, { method: 'POST' });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ type: 'urn:sluice:problem:internal-error', status: 500 });
      expect(server.lines).toEqual(['POST /_sluice/pull/x failed unexpectedly: URIError: URI malformed']);
    } finally {
      await server.close();
    }
  });
});
