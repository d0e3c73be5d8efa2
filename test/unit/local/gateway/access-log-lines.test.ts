import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { ingestPath } from '#shared/contract/contract';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({ tenant: 'example', auth: { issuer: 'self' }, streams: { orders: { payload: 'json' } } });
const stub = stubIngestHandler();
let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;
const lines: string[] = [];

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({
    tenant,
    home,
    port: 0,
    createHandler: stub.factory,
    accessLog: (line) => lines.push(line),
  });
  token = await server.createToken();
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

it("logs an answered post with its status and records, and one the client left before its answer as closed, not as Node's default 200", async () => {
  stub.answer = () => ({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"records":1}' });
  const answered = await fetch(`${server.url}${ingestPath('orders')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{"id":1}',
  });
  await answered.arrayBuffer();
  // Headers and half the body, then the connection is dropped.
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `POST ${ingestPath('orders')} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\ncontent-length: 100\r\n\r\n{"id":`,
  );
  await new Promise((resolve) => setImmediate(resolve));
  socket.destroy();
  await expect.poll(() => lines.length).toBe(2);
  expect(lines[0]).toMatch(/^POST \/stream\/v0\/data\/orders 202 \d+ ms 1 record$/);
  expect(lines[1]).toMatch(/^POST \/stream\/v0\/data\/orders closed by the client \d+ ms$/);
});
