import { request } from 'node:http';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { loadOrCreateKeySet } from '#local/local-issuer';
import { defineTenant } from '#shared/config/tenant-config';
import { currentSigningKey } from '#shared/tokens/signing-keys';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  throttle: { rate: 100, burst: 100 },
  streams: {
    orders: { payload: 'json' },
    limited: { payload: 'json', throttle: { rate: 1, burst: 2 } },
  },
});

const stub = stubIngestHandler();
let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, createHandler: stub.factory });
  token = await server.createToken();
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

beforeEach(() => {
  stub.answer = undefined;
  stub.events.length = 0;
});

const post = (
  path: string,
  init: { token?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(init.token === undefined
        ? { authorization: `Bearer ${token}` }
        : init.token
          ? { authorization: `Bearer ${init.token}` }
          : {}),
      ...init.headers,
    },
    body: init.body ?? '{"id":1}',
  });

// node:http rather than fetch: fetch joins repeated headers and drops one named __proto__.
const rawPost = (path: string, headers: [string, string | string[]][]) =>
  new Promise<{ status: number }>((resolve, reject) => {
    const outgoing = request(`${server.url}${path}`, { method: 'POST' }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    outgoing.setHeader('content-type', 'application/json');
    // An array value sends one header line per item.
    for (const [name, value] of headers) outgoing.setHeader(name, value);
    outgoing.on('error', reject);
    outgoing.end('{"id":1}');
  });

describe('the local gateway', () => {
  it('answers health, OIDC discovery and the JWKS without a token', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(discovery).toMatchObject({ issuer: server.url, jwks_uri: `${server.url}/.well-known/jwks.json` });
    const jwks = (await (await fetch(discovery.jwks_uri ?? '')).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('answers 404 Not Found for an unknown stream and for another method on a stream', async () => {
    const unknown = await post('/stream/v0/data/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect((await fetch(`${server.url}/stream/v0/data/orders`)).status).toBe(404);
  });

  it('answers 401 with www-authenticate before the handler runs', async () => {
    const response = await post('/stream/v0/data/orders', { token: '' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(stub.events).toHaveLength(0);
  });

  it('answers 403 Forbidden for a token scoped to another stream', async () => {
    const response = await post('/stream/v0/data/orders', {
      token: await server.createToken({ streams: ['limited'] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  });

  it.each([
    ['without exp', { exp: false, kid: true }],
    ['without kid', { exp: true, kid: false }],
  ])('answers 401 for a token %s, as the HTTP API authorizer does', async (_case, shape) => {
    const key = currentSigningKey(await loadOrCreateKeySet(home.keySetFile));
    let jwt = new SignJWT({ scope: 'sluice/write', tenant: 'example' })
      .setProtectedHeader(shape.kid ? { alg: 'RS256', kid: key.kid } : { alg: 'RS256' })
      .setIssuer(server.url)
      .setAudience('sluice-example')
      .setIssuedAt();
    if (shape.exp) jwt = jwt.setExpirationTime('1h');
    const response = await post('/stream/v0/data/orders', {
      token: await jwt.sign(await importJWK(key.privateJwk, 'RS256')),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(stub.events).toHaveLength(0);
  });

  it('answers 401 for a request with two Authorization headers, even both with the good token', async () => {
    const status = async (authorization: string[]) =>
      (await rawPost('/stream/v0/data/orders', [['authorization', authorization]])).status;
    expect(await status([`Bearer ${token}`])).toBe(202);
    expect(await status([`Bearer ${token}`, `Bearer ${token}`])).toBe(401);
    expect(await status([`Bearer ${token}`, 'Bearer x'])).toBe(401);
    expect(stub.events).toHaveLength(1);
  });

  it("answers 429 Too Many Requests once a stream's burst is spent", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post('/stream/v0/data/limited')).status);
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('answers 413 for a body over the 10 MB payload limit without calling the handler', async () => {
    const response = await post('/stream/v0/data/orders', { body: new Uint8Array(10 * 1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(stub.events).toHaveLength(0);
  });

  it('calls the handler with a payload-format-2.0 event carrying the claims and the stream id', async () => {
    await post('/stream/v0/data/orders?trace=1', { headers: { 'X-Custom': 'yes' } });
    const [event] = stub.events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /stream/v0/data/orders',
      rawPath: '/stream/v0/data/orders',
      rawQueryString: 'trace=1',
      pathParameters: { streamId: 'orders' },
      headers: { 'x-custom': 'yes', 'content-type': 'application/json' },
      body: '{"id":1}',
      isBase64Encoded: false,
      requestContext: {
        authorizer: { jwt: { claims: { tenant: 'example', iss: server.url }, scopes: ['sluice/write'] } },
      },
    });
  });

  it('passes headers and query parameters named like Object.prototype members as plain entries', async () => {
    await rawPost('/stream/v0/data/orders?constructor=1&toString=2&constructor=3', [
      ['authorization', `Bearer ${token}`],
      ['constructor', 'yes'],
      ['__proto__', 'kept'],
      ['hasOwnProperty', 'too'],
    ]);
    const [event] = stub.events;
    expect(event?.queryStringParameters).toEqual({ constructor: '1,3', toString: '2' });
    expect(event?.headers.constructor).toBe('yes');
    expect(event?.headers.hasownproperty).toBe('too');
    expect(Object.hasOwn(event?.headers ?? {}, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(event?.headers, '__proto__')?.value).toBe('kept');
  });

  it("writes the handler's result back, decoding a base64 body and keeping its headers", async () => {
    stub.answer = () => ({
      statusCode: 400,
      headers: { 'Content-Type': 'application/problem+json', 'X-From': 'handler' },
      body: Buffer.from('{"status":400}').toString('base64'),
      isBase64Encoded: true,
    });
    const response = await post('/stream/v0/data/orders');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-from')).toBe('handler');
    expect(await response.json()).toEqual({ status: 400 });
  });

  it('answers 500 Internal Server Error when the handler throws', async () => {
    stub.answer = () => {
      throw new Error('boom');
    };
    const response = await post('/stream/v0/data/orders');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('the local gateway throttles', () => {
  const throttled = defineTenant({
    tenant: 'example',
    auth: { issuer: 'self' },
    throttle: { rate: 1, burst: 2 },
    streams: {
      orders: { payload: 'json' },
      events: { payload: 'json' },
      bulk: { payload: 'json', throttle: { rate: 1, burst: 3 } },
    },
  });
  let throttleHome: Awaited<ReturnType<typeof tempHome>>;
  let throttleServer: DevServer;
  let throttleToken: string;

  beforeAll(async () => {
    throttleHome = await tempHome();
    throttleServer = await startDevServer({
      tenant: throttled,
      home: throttleHome,
      port: 0,
      createHandler: stubIngestHandler().factory,
    });
    throttleToken = await throttleServer.createToken();
  });

  afterAll(async () => {
    await throttleServer.close();
    await throttleHome.remove();
  });

  const statuses = async (streamId: string, count: number) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const response = await fetch(`${throttleServer.url}/stream/v0/data/${streamId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${throttleToken}` },
        body: '{"id":1}',
      });
      seen.push(response.status);
    }
    return seen;
  };

  it("gives each stream route the tenant's throttle of its own, as the HTTP API's default route settings do", async () => {
    expect(await statuses('orders', 3)).toEqual([202, 202, 429]);
    // A bucket shared by the tenant would now be empty: each route has its own.
    expect(await statuses('events', 3)).toEqual([202, 202, 429]);
  });

  it("lets a stream's own throttle replace the tenant's on its route, also when it is larger", async () => {
    expect(await statuses('bulk', 4)).toEqual([202, 202, 202, 429]);
  });
});
