import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    orders: { payload: 'json' },
    hooks: { payload: 'json', auth: { type: 'hmac', preset: 'github', secret: 'hooks-secret' } },
  },
});

const stub = stubIngestHandler();
let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, createHandler: stub.factory, openPull: false });
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

const post = (stream: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/stream/v0/data/${stream}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"id":1}',
  });

describe('the local gateway in front of a webhook stream', () => {
  it('hands a post without a token to the handler, with no claims, as a route without an authorizer', async () => {
    stub.events.length = 0;
    const response = await post('hooks', { 'x-hub-signature-256': 'sha256=00' });
    expect(response.status).toBe(202);
    const [event] = stub.events;
    expect(event?.requestContext.authorizer.jwt.claims).toEqual({});
    expect(event?.headers['x-hub-signature-256']).toBe('sha256=00');
  });

  it('still answers 401 to a post without a token on a JWT stream, before the handler', async () => {
    stub.events.length = 0;
    const response = await post('orders');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(stub.events).toEqual([]);
  });
});
