import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliverRoute, DELIVER_ROUTE, DELIVER_ROUTE_MAX_BYTES } from '#local/firehose/delivery-admin-route';
import { loadTenant } from '#shared/config/tenant-loader';
import { DownstreamUnavailableError } from '#shared/contract/errors';
import type { DeliveryBatch } from '#shared/ports/delivery-port';

const KEY = 'k'.repeat(43);

let server: Server;
let url: string;
let delivered: DeliveryBatch[];
let failing: boolean;

beforeEach(async () => {
  const tenant = (await loadTenant()).config;
  delivered = [];
  failing = false;
  const route = createDeliverRoute({
    tenant,
    key: KEY,
    track: () => undefined,
    delivery: {
      deliver: async (batch) => {
        if (failing) throw new DownstreamUnavailableError('could not journal records: disk full');
        delivered.push(batch);
      },
    },
  });
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${DELIVER_ROUTE}`;
});

afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(body: unknown, key = KEY) {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const record = (text: string) => Buffer.from(text).toString('base64');

describe('the dev server delivery route', () => {
  it('hands the records to the delivery and answers 200 once it acknowledged them', async () => {
    const response = await send({ stream: 'orders', channel: 'records', records: [record('{"a":1}\n')] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ records: 1 });
    expect(
      delivered.map((batch) => [batch.streamId, batch.channel, Buffer.from(batch.records[0] ?? []).toString()]),
    ).toEqual([['orders', 'records', '{"a":1}\n']]);
  });

  it('answers 401 without the key, and delivers nothing', async () => {
    const response = await send({ stream: 'orders', channel: 'records', records: [] }, 'wrong');
    expect(response.status).toBe(401);
    expect(delivered).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown channel', { stream: 'orders', channel: 'other', records: [] }],
    ['records that are not base64', { stream: 'orders', channel: 'records', records: ['***'] }],
    ['an extra member', { stream: 'orders', channel: 'records', records: [], more: 1 }],
  ])('answers 400 for %s', async (_name, body) => {
    expect((await send(body)).status).toBe(400);
    expect(delivered).toHaveLength(0);
  });

  it('answers 404 for a stream the tenant does not have, own keys only', async () => {
    expect((await send({ stream: 'constructor', channel: 'records', records: [] })).status).toBe(404);
  });

  it('answers 413 for a body one byte over the limit', async () => {
    const prefix = '{"stream":"orders","channel":"records","records":["';
    const suffix = '"]}';
    // Base64 of 4-character groups: the body that fits is exactly the limit.
    const room = DELIVER_ROUTE_MAX_BYTES - prefix.length - suffix.length;
    const fits = `${prefix}${'A'.repeat(room - (room % 4))}${suffix}`.padEnd(DELIVER_ROUTE_MAX_BYTES, ' ');
    expect(Buffer.byteLength(fits)).toBe(DELIVER_ROUTE_MAX_BYTES);
    expect((await send(`${fits} `)).status).toBe(413);
    expect((await send(fits)).status).toBe(200);
    expect(delivered[0]?.records[0]?.byteLength).toBe(((room - (room % 4)) / 4) * 3);
  });

  it('answers 503 with the reason when the delivery could not take the records', async () => {
    failing = true;
    const response = await send({ stream: 'orders', channel: 'records', records: [record('x')] });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toContain('disk full');
  });
});
