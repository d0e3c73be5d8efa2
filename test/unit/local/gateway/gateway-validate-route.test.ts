import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { ingestPath, validatePath } from '#shared/contract/contract';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  throttle: { rate: 100, burst: 100 },
  streams: {
    orders: { payload: 'json' },
    limited: { payload: 'json' },
    throttled: { payload: 'json', throttle: { rate: 1, burst: 2 } },
  },
});

const stub = stubIngestHandler();
let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;
const accessLines: string[] = [];

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({
    tenant,
    home,
    port: 0,
    createHandler: stub.factory,
    accessLog: (line) => accessLines.push(line),
  });
  token = await server.createToken();
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

beforeEach(() => {
  stub.events.length = 0;
  stub.answer = () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"valid":true}' });
});

const post = (
  path: string,
  init: { token?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? token}`, ...init.headers },
    body: init.body ?? '{"id":1}',
  });

describe("the local gateway's dry-run route", () => {
  it('calls the handler with the route key, path and stream id of POST /stream/v0/validate/<id>', async () => {
    const response = await post(validatePath('orders'));
    expect(response.status).toBe(200);
    expect(stub.events[0]).toMatchObject({
      routeKey: `POST ${validatePath('orders')}`,
      rawPath: validatePath('orders'),
      pathParameters: { streamId: 'orders' },
      requestContext: { routeKey: `POST ${validatePath('orders')}` },
    });
  });

  it("takes the stream's scopes: a token for another stream is 403 before the handler runs", async () => {
    const other = await server.createToken({ streams: ['limited'] });
    expect((await post(validatePath('orders'), { token: other })).status).toBe(403);
    expect((await post(validatePath('limited'), { token: other })).status).toBe(200);
    expect((await post(validatePath('orders'), { token: 'not-a-token' })).status).toBe(401);
    expect(stub.events.map((event) => event.rawPath)).toEqual([validatePath('limited')]);
  });

  it("has the stream's throttle, in a bucket of its own", async () => {
    const statuses = async (path: string) => {
      const seen: number[] = [];
      for (let i = 0; i < 3; i += 1) seen.push((await post(path)).status);
      return seen;
    };
    expect(await statuses(validatePath('throttled'))).toEqual([200, 200, 429]);
    stub.answer = undefined;
    expect(await statuses(ingestPath('throttled'))).toEqual([202, 202, 429]);
  });

  it('logs a dry run with no records accepted, whatever it counted', async () => {
    stub.answer = () => ({ statusCode: 200, body: '{"valid":true,"records":2}' });
    accessLines.length = 0;
    await post(validatePath('orders'));
    await vi.waitFor(() => expect(accessLines).toHaveLength(1));
    expect(accessLines).toEqual([expect.stringMatching(/^POST \/stream\/v0\/validate\/orders 200 \d+ ms 0 records$/)]);
  });

  it('answers 404 for a dry run of an unknown stream, and for GET', async () => {
    expect((await post(validatePath('nope'))).status).toBe(404);
    expect((await fetch(`${server.url}${validatePath('orders')}`)).status).toBe(404);
  });
});

describe('a compressed body through the local gateway', () => {
  it('reaches the handler base64-encoded, whatever its content type, as the HTTP API passes it', async () => {
    const compressed = gzipSync('{"id":1}');
    await post(ingestPath('orders'), { body: compressed, headers: { 'content-encoding': 'gzip' } });
    expect(stub.events[0]).toMatchObject({
      isBase64Encoded: true,
      body: compressed.toString('base64'),
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    });
  });
});

describe("the local gateway's access log", () => {
  it("shows a post the client left before its answer as closed, not as Node's default 200", async () => {
    stub.answer = () => ({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"records":1}' });
    accessLines.length = 0;
    await (await post(ingestPath('orders'))).arrayBuffer();
    // Headers and half the body, then the connection is dropped.
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST ${ingestPath('orders')} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\ncontent-length: 100\r\n\r\n{"id":`,
    );
    await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    await vi.waitFor(() => expect(accessLines).toHaveLength(2));
    expect(accessLines).toEqual([
      expect.stringMatching(/^POST \/stream\/v0\/data\/orders 202 \d+ ms 1 record$/),
      expect.stringMatching(/^POST \/stream\/v0\/data\/orders closed by the client \d+ ms$/),
    ]);
  });
});
