/**
 * The TypeScript client against `sluice dev` over real HTTP, through a proxy that injects the
 * faults of every retry class. What the server delivered is counted per record id, so "exactly
 * once" is checked where it matters: after the Idempotency-Key, before the journal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileSpool } from '#clients/typescript/src/file-spool';
import { type Rejection, SluiceClient, type SluiceClientOptions } from '#clients/typescript/src/index';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { type DevServer, type IngestHandlerFactory, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { Order } from '#tenants/example';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { tempHome } from '../support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    events: { payload: 'json', batch: true },
    orders: { payload: 'json', schema: Order },
    small: { payload: 'json', batch: true, maxBytes: 1000 },
  },
});
const STREAMS = { events: { batch: true }, orders: {}, small: { batch: true } } as const;

/** Every record line the ingest handler handed to delivery. */
const delivered: string[] = [];
const countingHandler: IngestHandlerFactory = async (config, delivery, idempotency) =>
  createIngestHandler({
    tenant: config,
    idempotency,
    logger: new Logger({ serviceName: 'sluice-client-test', logLevel: 'SILENT' }),
    delivery: {
      deliver(batch) {
        if (batch.channel === 'records')
          delivered.push(...batch.records.map((record) => Buffer.from(record).toString().trim()));
        return delivery.deliver(batch);
      },
    },
  });

let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;
let proxy: FaultProxy;
let spools: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, schedules: false, createHandler: countingHandler });
  token = await server.createToken();
  spools = await mkdtemp(join(tmpdir(), 'sluice-client-spool-'));
});
afterAll(async () => {
  await server?.close();
  await home?.remove();
  await rm(spools, { recursive: true, force: true });
});
beforeEach(async () => {
  await proxy?.close();
  proxy = await startFaultProxy(server.url);
});

let run = 0;
/** Records with ids unique to the test. */
function records(count: number, pad = 0): { id: string; pad: string }[] {
  run += 1;
  return Array.from({ length: count }, (_, index) => ({ id: `r${run}-${index}`, pad: 'x'.repeat(pad) }));
}
const deliveredCount = (id: string) => delivered.filter((line) => JSON.parse(line).id === id).length;

function client(options: Partial<SluiceClientOptions<Record<string, unknown>>> = {}) {
  const rejected: Rejection[] = [];
  const sluice = new SluiceClient<Record<string, unknown>>({
    url: proxy.url,
    token,
    streams: STREAMS,
    lingerMs: 1,
    backoff: { baseMs: 2, capMs: 10 },
    onRejected: (rejection) => rejected.push(rejection),
    ...options,
  });
  return { sluice, rejected };
}

describe('the TypeScript client against sluice dev', () => {
  it('sends a batch stream’s records as one NDJSON post with an Idempotency-Key', async () => {
    const { sluice } = client();
    const sent = records(50);
    await sluice.sendMany('events', sent);
    const result = await sluice.close();
    expect(result).toMatchObject({ accepted: 50, rejected: 0, failed: 0, requests: 1 });
    expect(proxy.seen[0]?.key).toMatch(/^[\x20-\x7e]{1,255}$/);
    expect(sent.every((record) => deliveredCount(record.id) === 1)).toBe(true);
  });

  it.each([
    ['409 with Retry-After', { status: 409, headers: { 'retry-after': '0' } }],
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '0' } }],
    ['500', { status: 500 }],
    ['503', { status: 503 }],
    ['504', { status: 504 }],
    ['a reset connection', 'reset'],
    ['an answer lost after the records landed', 'lose-answer'],
  ] as const)('retries after %s with the same key and body, and every record lands once', async (_, fault) => {
    const { sluice } = client();
    proxy.fail(fault);
    const sent = records(3);
    await sluice.sendMany('events', sent);
    expect(await sluice.close()).toMatchObject({ accepted: 3, failed: 0, retries: 1 });
    const [first, retry] = proxy.seen;
    expect(proxy.seen).toHaveLength(2);
    expect(retry?.key).toBe(first?.key);
    expect(retry?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
    expect(sent.map((record) => deliveredCount(record.id))).toEqual([1, 1, 1]);
  });

  it('sends a large batch as it is to a loopback host, and gzipped to any other host', async () => {
    const isGzip = (body: Buffer | undefined) => body?.[0] === 0x1f && body?.[1] === 0x8b;
    const local = client();
    const plain = records(100, 1000);
    await local.sluice.sendMany('events', plain);
    expect(await local.sluice.close()).toMatchObject({ accepted: 100, failed: 0 });
    expect(proxy.seen).toHaveLength(1);
    expect(isGzip(proxy.seen[0]?.body)).toBe(false);
    // The same API under a name that is not loopback: the fetch below still reaches the proxy.
    const remote = client({
      url: 'http://sluice.example.test',
      fetch: (input, init) => fetch(String(input).replace('http://sluice.example.test', proxy.url), init),
    });
    const zipped = records(100, 1000);
    await remote.sluice.sendMany('events', zipped);
    expect(await remote.sluice.close()).toMatchObject({ accepted: 100, failed: 0 });
    expect(proxy.seen).toHaveLength(2);
    expect(isGzip(proxy.seen[1]?.body)).toBe(true);
    expect([...plain, ...zipped].every((record) => deliveredCount(record.id) === 1)).toBe(true);
  });

  it('splits a batch the server answers 413 into halves with derived keys until each fits', async () => {
    // The client is not told the stream's 1,000-byte limit: the 413s teach it.
    const { sluice } = client();
    const sent = records(8, 300);
    await sluice.sendMany('small', sent);
    expect(await sluice.close()).toMatchObject({ accepted: 8, rejected: 0, failed: 0 });
    const [whole, ...parts] = proxy.seen.map((seen) => seen.key ?? '');
    expect(parts).toContain(`${whole}.0`);
    expect(parts).toContain(`${whole}.1.1`);
    expect(sent.map((record) => deliveredCount(record.id))).toEqual(Array(8).fill(1));
  });

  it('sends a record of exactly the stream limit, refuses one byte more unsent, and packs batches up to the limit', async () => {
    const limited = { ...STREAMS, small: { batch: true, maxBytes: 1000 } };
    const sized = (bytes: number) => {
      const [record = { id: 'unused', pad: '' }] = records(1);
      const text = JSON.stringify({ ...record, pad: '' });
      return { ...record, pad: 'x'.repeat(bytes - Buffer.byteLength(text)) };
    };
    const { sluice, rejected } = client({ streams: limited });
    const atLimit = sized(1000);
    const overLimit = sized(1001);
    await sluice.send('small', atLimit);
    await sluice.send('small', overLimit);
    await sluice.flush();
    // Records of 499 and 500 bytes and the newline between them: one body of exactly 1,000 bytes.
    const pair = [sized(499), sized(500)];
    await sluice.sendMany('small', pair);
    expect(await sluice.close()).toMatchObject({ accepted: 3, rejected: 1, failed: 0, requests: 2 });
    expect(rejected).toEqual([expect.objectContaining({ stream: 'small', status: 413 })]);
    expect(proxy.seen.map((seen) => seen.body.length)).toEqual([1000, 1000]);
    expect([atLimit, ...pair].map((record) => deliveredCount(record.id))).toEqual([1, 1, 1]);
    expect(deliveredCount(overLimit.id)).toBe(0);
  });

  it('reports rejected records with their problem and never retries them', async () => {
    const { sluice, rejected } = client();
    const [good] = records(1);
    await sluice.sendMany('events', [good, '7']);
    await sluice.send('orders', { order_id: '' });
    await sluice.send('nope', { id: 'unknown-stream' });
    const result = await sluice.close();
    expect(result).toMatchObject({ accepted: 1, rejected: 3, retries: 0, requests: 3 });
    expect(rejected.map(({ stream, status, record }) => ({ stream, status, record }))).toEqual(
      expect.arrayContaining([
        { stream: 'events', status: 202, record: '7' },
        { stream: 'orders', status: 400, record: '{"order_id":""}' },
        { stream: 'nope', status: 404, record: '{"id":"unknown-stream"}' },
      ]),
    );
    expect(rejected.find((rejection) => rejection.stream === 'orders')?.problem).toMatchObject({
      type: 'urn:sluice:problem:schema-violation',
    });
  });

  it('asks the token provider again after a 401, once', async () => {
    const tokens = ['not-a-jwt', token];
    let calls = 0;
    const { sluice } = client({ token: () => tokens[calls++] ?? token });
    const sent = records(2);
    await sluice.sendMany('events', sent);
    expect(await sluice.close()).toMatchObject({ accepted: 2, rejected: 0, requests: 2 });
    expect(calls).toBe(2);
    expect(sent.map((record) => deliveredCount(record.id))).toEqual([1, 1]);
  });

  it('asks the token provider again before its token expires, and not while it is fresh', async () => {
    const day = 86_400_000;
    const expiring = await server.createToken({ days: 1, now: new Date(Date.now() - day + 30_000) });
    const counted = async (given: string) => {
      let calls = 0;
      const { sluice } = client({
        token: () => {
          calls += 1;
          return given;
        },
      });
      await sluice.send('events', records(1)[0]);
      await sluice.flush();
      await sluice.send('events', records(1)[0]);
      expect(await sluice.close()).toMatchObject({ accepted: 2 });
      return calls;
    };
    expect(await counted(expiring)).toBe(2);
    expect(await counted(token)).toBe(1);
  });

  it('a token refused twice rejects the batch without more retries', async () => {
    const { sluice, rejected } = client({ token: () => 'not-a-jwt' });
    await sluice.send('events', records(1)[0]);
    expect(await sluice.close()).toMatchObject({ accepted: 0, rejected: 1, requests: 2 });
    expect(rejected[0]?.status).toBe(401);
  });

  it('makes send wait while the buffer is full, and resume when an answer frees it', async () => {
    let release = () => {};
    proxy.fail({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const { sluice } = client({ maxBufferedBytes: 100 });
    const [first, second] = records(2, 60);
    await sluice.send('events', first);
    let secondBuffered = false;
    const sending = sluice.send('events', second).then(() => {
      secondBuffered = true;
    });
    await proxy.requests(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondBuffered).toBe(false);
    release();
    await sending;
    expect(await sluice.close()).toMatchObject({ accepted: 2 });
  });

  it('resends a spooled batch with its original key from a new client after the first gave up', async () => {
    const directory = join(spools, 'resend');
    proxy.fail('lose-answer');
    const first = client({ spool: new FileSpool(directory), maxAttempts: 1 });
    const sent = records(5);
    await first.sluice.sendMany('events', sent);
    expect(await first.sluice.close()).toMatchObject({ accepted: 0, failed: 5 });
    // The records landed, but the answer never reached the first client.
    expect(sent.map((record) => deliveredCount(record.id))).toEqual([1, 1, 1, 1, 1]);
    const second = client({ spool: new FileSpool(directory) });
    expect(await second.sluice.close()).toMatchObject({ accepted: 5, failed: 0 });
    expect(proxy.seen.map((seen) => seen.key)).toEqual([proxy.seen[0]?.key, proxy.seen[0]?.key]);
    expect(sent.map((record) => deliveredCount(record.id))).toEqual([1, 1, 1, 1, 1]);
    const third = client({ spool: new FileSpool(directory) });
    expect(await third.sluice.close()).toMatchObject({ requests: 0 });
  });
});
