import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landedRecordsIn } from './support/landed-records.ts';
import { startTestServer, type TestServer } from './support/local-server.ts';

const POSTS = 2_000;
const CONNECTIONS = 50;
const STREAMS = ['orders', 'events', 'profiles'] as const;

function bodyFor(stream: (typeof STREAMS)[number], id: string): { body: string; contentType: string } {
  switch (stream) {
    case 'orders':
      return {
        contentType: 'application/json',
        body: JSON.stringify({
          order_id: id,
          customer_id: 'c-1',
          amount: 12.5,
          currency: 'EUR',
          placed_at: '2026-01-02T03:04:05Z',
        }),
      };
    case 'events':
      return { contentType: 'application/json', body: JSON.stringify({ id, kind: 'click' }) };
    case 'profiles':
      return { contentType: 'application/xml', body: `<profile id="${id}"><name>Ada</name></profile>` };
  }
}

let local: TestServer;

beforeAll(async () => {
  // A short interval, so that the run spans many flushes and batches, not one.
  local = await startTestServer({ flushSeconds: 0.2 });
});

afterAll(async () => {
  await local.remove();
});

describe('reconciliation', () => {
  it('lands exactly the records that got 202, none lost and none twice, over 50 concurrent connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const url = new URL(local.server.url);
    const accepted = new Map<string, Set<string>>(STREAMS.map((stream) => [stream, new Set<string>()]));
    const statuses = new Map<number, number>();

    const send = (index: number) =>
      new Promise<void>((resolve, reject) => {
        const stream = STREAMS[index % STREAMS.length] ?? 'events';
        const id = `rec-${index}`;
        const { body, contentType } = bodyFor(stream, id);
        const outgoing = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: `/stream/v0/data/${stream}`,
            headers: { authorization: `Bearer ${local.token}`, 'content-type': contentType },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              if (status === 202) accepted.get(stream)?.add(id);
              resolve();
            });
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });

    let next = 0;
    const worker = async () => {
      while (next < POSTS) {
        const index = next;
        next += 1;
        await send(index);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    agent.destroy();
    await local.stop();

    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(POSTS);
    // The example tenant allows a burst of 1,000 and 500/s: some posts may be throttled, most are not.
    expect([...statuses.keys()].every((status) => status === 202 || status === 429)).toBe(true);
    expect(statuses.get(202)).toBeGreaterThanOrEqual(1_000);
    for (const stream of STREAMS) {
      const landed = (await landedRecordsIn(local.home.s3, stream)).map((line) => /rec-\d+/.exec(line)?.[0] ?? line);
      const expected = accepted.get(stream) ?? new Set();
      expect(landed.length, `records of ${stream} landed`).toBe(expected.size);
      expect(new Set(landed)).toEqual(expected);
    }
  });
});
