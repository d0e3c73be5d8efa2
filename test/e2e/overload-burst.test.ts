import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

/** The burst issue 22 measured: 600 posts to the example tenant, all sent before any answer. */
const BURST = 600;

let local: TestServer;

beforeAll(async () => {
  local = await startTestServer();
});

afterAll(async () => {
  await local.remove();
});

const order = (index: number) =>
  JSON.stringify({
    order_id: `burst-${index}`,
    customer_id: 'c-1',
    amount: 5,
    currency: 'EUR',
    placed_at: '2026-01-02T03:04:05Z',
  });

describe('a burst of concurrent posts to the example tenant, over loopback', () => {
  it(`answers each of ${BURST} concurrent posts 202 or 429, never 500`, async () => {
    const statuses = await Promise.all(
      Array.from({ length: BURST }, async (_, index) => {
        const response = await post(local.server, 'orders', order(index), { token: local.token });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    console.info(`burst of ${BURST}: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).filter((status) => status !== '202' && status !== '429')).toEqual([]);
    expect(counts[202]).toBeGreaterThan(0);
  });
});
