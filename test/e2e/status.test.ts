/**
 * Local observability end to end: the dev server's /metrics after posts, rejects, dead
 * letters and a pull, and `sluice status` over real HTTP, with the real ingest handler and
 * pull runner.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '#cli/main';
import type { DevStatus } from '#local/observability/dev-status';
import { LOCAL_GAUGE_NAMES } from '#local/observability/local-gauges';
import { SAMPLE_EVENTS_FILE } from '#local/pull/sample-api';
import { validatePath } from '#shared/contract/contract';
import { prometheusName } from '#shared/ports/metrics';
import { captureIo } from '../unit/cli/io-capture.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';
import { sampleValue, scrape } from './support/prometheus-text.ts';

const servers: TestServer[] = [];

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.remove()));
});

const VALID_ORDER = JSON.stringify({
  order_id: 'o-1',
  customer_id: 'c-1',
  amount: 10,
  currency: 'EUR',
  placed_at: '2026-01-01T00:00:00Z',
});
/** Fails the orders schema (no amount, no currency): a 400 whose record is dead-lettered. */
const INVALID_ORDER = JSON.stringify({ order_id: 'o-2', customer_id: 'c-2', placed_at: '2026-01-01T00:00:00Z' });
/** Two objects and an array: the array is the batch's one rejected record. */
const EVENTS_BATCH = '{"n":1}\n{"n":2}\n[3]\n';

const perStream = (stream: string) => ({ tenant: 'example', stream });

async function sluice(local: TestServer, args: readonly string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
  const code = await runCli(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function postTheMix(local: TestServer): Promise<void> {
  const token = local.token;
  expect((await post(local.server, 'orders', VALID_ORDER, { token })).status).toBe(202);
  expect((await post(local.server, 'orders', INVALID_ORDER, { token })).status).toBe(400);
  const batch = await post(local.server, 'events', EVENTS_BATCH, { token, contentType: 'application/x-ndjson' });
  expect(batch.status).toBe(202);
  expect(await batch.json()).toMatchObject({ accepted: 2, rejected: [{ index: 2 }] });
}

describe('GET /metrics of the dev server', () => {
  it('is public Prometheus text with every stream at 0 before anything was posted', async () => {
    const local = await server();
    const response = await fetch(`${local.server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = await scrape(local.server.url);
    for (const stream of ['orders', 'events', 'profiles']) {
      expect(sampleValue(samples, prometheusName('RecordsAccepted'), perStream(stream))).toBe(0);
    }
    // Any other method is the gateway's 404, as for any path the API does not have.
    expect((await fetch(`${local.server.url}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('counts accepted, rejected and dead-lettered records, requests by status class and latency', async () => {
    const local = await server();
    await postTheMix(local);
    const samples = await scrape(local.server.url);
    const value = (name: Parameters<typeof prometheusName>[0], labels: Record<string, string>) =>
      sampleValue(samples, prometheusName(name), labels);
    expect(value('RecordsAccepted', perStream('orders'))).toBe(1);
    expect(value('RecordsRejected', perStream('orders'))).toBe(1);
    expect(value('RecordsDeadLettered', perStream('orders'))).toBe(1);
    expect(value('RecordsAccepted', perStream('events'))).toBe(2);
    expect(value('RecordsRejected', perStream('events'))).toBe(1);
    // events has no dead-letter stream: its rejected record is only counted.
    expect(value('RecordsDeadLettered', perStream('events'))).toBe(0);
    expect(value('Requests', { ...perStream('orders'), status_class: '2xx' })).toBe(1);
    expect(value('Requests', { ...perStream('orders'), status_class: '4xx' })).toBe(1);
    expect(value('Requests', { ...perStream('events'), status_class: '2xx' })).toBe(1);
    expect(sampleValue(samples, `${prometheusName('HandlerLatency')}_count`, perStream('orders'))).toBe(2);
    expect(value('BytesAccepted', perStream('orders'))).toBe(Buffer.byteLength(`${VALID_ORDER}\n`));
    // Nothing has landed yet (60 s buffers): it is all buffered, the dead letter on its own channel.
    const buffered = (stream: string, channel: string) =>
      sampleValue(samples, LOCAL_GAUGE_NAMES.bufferedRecords, { ...perStream(stream), channel });
    expect(buffered('orders', 'records')).toBe(1);
    expect(buffered('orders', 'dead-letter')).toBe(1);
    expect(buffered('events', 'records')).toBe(2);
  });

  it('counts dry runs apart: as DryRuns by status class, never as Requests or records', async () => {
    const local = await server();
    const dryRun = (stream: string, body: string, contentType = 'application/json') =>
      fetch(`${local.server.url}${validatePath(stream)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${local.token}`, 'content-type': contentType },
        body,
      });
    expect((await dryRun('orders', VALID_ORDER)).status).toBe(200);
    expect((await dryRun('orders', INVALID_ORDER)).status).toBe(400);
    expect((await dryRun('events', EVENTS_BATCH, 'application/x-ndjson')).status).toBe(200);
    const samples = await scrape(local.server.url);
    const value = (name: Parameters<typeof prometheusName>[0], labels: Record<string, string>) =>
      sampleValue(samples, prometheusName(name), labels);
    expect(value('DryRuns', { ...perStream('orders'), status_class: '2xx' })).toBe(1);
    expect(value('DryRuns', { ...perStream('orders'), status_class: '4xx' })).toBe(1);
    expect(value('DryRuns', { ...perStream('events'), status_class: '2xx' })).toBe(1);
    for (const stream of ['orders', 'events']) {
      for (const statusClass of ['2xx', '4xx']) {
        expect(value('Requests', { ...perStream(stream), status_class: statusClass })).toBeUndefined();
      }
      expect(value('RecordsAccepted', perStream(stream))).toBe(0);
      expect(value('RecordsRejected', perStream(stream))).toBe(0);
      expect(value('RecordsDeadLettered', perStream(stream))).toBe(0);
    }
  });

  it('counts a pull run by outcome, with its records and pages, and sluice status shows it', async () => {
    const local = await server();
    const sampleRecords = (JSON.parse(await readFile(SAMPLE_EVENTS_FILE, 'utf8')) as unknown[]).length;
    const pulled = await sluice(local, ['pull', 'sample']);
    expect(pulled.code).toBe(0);
    const pages = pulled.stdout.match(/^pull sample page \d+:/gm)?.length;
    // Else a missing PullPages sample would equal the missing count.
    expect(pages).toBeGreaterThan(0);
    const samples = await scrape(local.server.url);
    const perSource = { tenant: 'example', source: 'sample' };
    expect(sampleValue(samples, prometheusName('PullRuns'), { ...perSource, outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, prometheusName('PullRecords'), perSource)).toBe(sampleRecords);
    expect(sampleValue(samples, prometheusName('PullPages'), perSource)).toBe(pages);
    expect(sampleValue(samples, prometheusName('PullSecondsSinceLastSuccess'), perSource)).toBeGreaterThanOrEqual(0);
    // Pulled records are accepted records of their stream too: its delivery acknowledged them.
    expect(sampleValue(samples, prometheusName('RecordsAccepted'), perStream('events'))).toBe(sampleRecords);
    // sluice status shows the run in the source's row.
    const status = await sluice(local, ['status']);
    const row = status.stdout
      .split('\n')
      .find((line) => line.startsWith('sample '))
      ?.split(/ {2,}/);
    expect(row).toEqual([
      'sample',
      expect.stringMatching(/^\d+ s ago$/),
      'succeeded',
      String(sampleRecords),
      'not scheduled',
    ]);
  });
});

describe('sluice status', () => {
  it('prints a row per stream with its counts and what is buffered, and a row per source', async () => {
    const local = await server();
    await postTheMix(local);
    const status = await sluice(local, ['status']);
    expect(status.code).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toBe(`Sluice dev server for tenant "example" at ${local.server.url} (counts since it started)`);
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.split(/ {2,}/);
    // stream, accepted, rejected, dead-lettered, buffered (every channel), oldest buffered, last written, last object
    expect(row('orders')).toEqual(['orders', '1', '1', '1', '2', expect.stringMatching(/^\d+ s$/), '-', '-']);
    expect(row('events')).toEqual(['events', '2', '1', '0', '2', expect.stringMatching(/^\d+ s$/), '-', '-']);
    expect(row('profiles')).toEqual(['profiles', '0', '0', '0', '0', '-', '-', '-']);
    // The test server runs no schedules, and nothing has pulled yet.
    expect(row('sample')).toEqual(['sample', 'never', '-', '-', 'not scheduled']);
  });

  it('shows the last object written and when, once a buffer flushed', async () => {
    const local = await server({ flushSeconds: 0 });
    expect((await post(local.server, 'orders', VALID_ORDER, { token: local.token })).status).toBe(202);
    let status: DevStatus | undefined;
    await vi.waitFor(
      async () => {
        const printed = await sluice(local, ['status', '--json']);
        status = JSON.parse(printed.stdout) as DevStatus;
        expect(status.streams.find((stream) => stream.stream === 'orders')?.lastObject).toBeDefined();
      },
      { timeout: 10_000, interval: 100 },
    );
    const orders = status?.streams.find((stream) => stream.stream === 'orders');
    expect(orders).toMatchObject({ accepted: 1, buffered: 0 });
    expect(orders?.oldestBufferedSeconds).toBeUndefined();
    expect(orders?.lastObject).toMatchObject({ key: expect.stringMatching(/^streams\/orders\/year=/), records: 1 });
    const table = await sluice(local, ['status']);
    const row = table.stdout.split('\n').find((line) => line.startsWith('orders '));
    expect(row).toMatch(/ \d+ s ago +streams\/orders\/year=\S+\.ndjson \(1 record\)$/);
    const scraped = await scrape(local.server.url);
    const written = sampleValue(scraped, LOCAL_GAUGE_NAMES.lastObjectWritten, { stream: 'orders', channel: 'records' });
    expect(written).toBe(Date.parse(orders?.lastObject?.at ?? '') / 1000);
  });

  it('refuses a request to the status route without the key of the state file', async () => {
    const local = await server();
    const response = await fetch(`${local.server.url}/_sluice/status`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: expect.stringMatching(/needs the key/) });
  });
});
