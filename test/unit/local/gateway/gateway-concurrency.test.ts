import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import type { IngestHandler } from '#local/gateway/gateway';
import { defineTenant } from '#shared/config/tenant-config';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  reservedConcurrency: 2,
  streams: { orders: { payload: 'json' }, events: { payload: 'json' } },
});

// Handlers that stay busy until the test releases them, so the cap can be filled on purpose.
const waiting: (() => void)[] = [];
const busyHandler: IngestHandler = async () => {
  await new Promise<void>((resolve) => waiting.push(resolve));
  return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"accepted"}' };
};

let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, createHandler: async () => busyHandler });
  token = await server.createToken();
});

afterAll(async () => {
  for (const release of waiting.splice(0)) release();
  await server.close();
  await home.remove();
});

const post = (stream: string) =>
  fetch(`${server.url}/stream/v0/data/${stream}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{"id":1}',
  });

async function untilWaiting(count: number): Promise<void> {
  while (waiting.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("the local gateway's tenant-wide concurrency cap", () => {
  it('runs as many handlers at once as `reservedConcurrency` allows, across streams, and answers the next with the gateway 500 a Lambda throttle gives', async () => {
    const first = post('orders');
    const second = post('events');
    await untilWaiting(2);

    const third = await post('orders');
    expect(third.status).toBe(500);
    expect(await third.json()).toEqual({ message: 'Internal Server Error' });

    for (const release of waiting.splice(0)) release();
    expect((await first).status).toBe(202);
    expect((await second).status).toBe(202);

    const afterRelease = post('events');
    await untilWaiting(1);
    for (const release of waiting.splice(0)) release();
    expect((await afterRelease).status).toBe(202);
  });
});
