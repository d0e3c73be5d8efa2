/**
 * The measuring side of benchmark 5, pull (bench/pull.ts): the real pull runner (`runPull`, with an in-memory state store and a
 * delivery that acknowledges at once) against a loopback API serving cursor-paginated pages of
 * 100 × 1 KiB records, side by side with a bare fetch + JSON.parse loop over the same pages;
 * then the request rate the runner keeps under `rateLimit.perSecond`, measured at the server.
 * It runs bundled as the pull function is (bundled-measurement.ts), reports to stderr and sends
 * its results to the parent process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { pageRecords, recordId } from '#functions/pull/page-records';
import { type SourceConfig, SourceSchema } from '#shared/config/source-config';
import { jsonArrayElements } from '#shared/framing/json-array-elements';
import { jsonPointerText } from '#shared/framing/json-pointer-text';
import { frameJsonRecord } from '#shared/framing/ndjson-line';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import { MemoryStateStore } from '../../test/unit/functions/pull/support/memory-state-store.ts';
import { stream } from '../../test/unit/functions/pull/support/pull-fixtures.ts';
import { runPull } from '../../test/unit/functions/pull/support/run-to-end.ts';
import { median, round, spread } from './stats.ts';

const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const PAGES = QUICK ? 40 : 200;
const RECORDS_PER_PAGE = 100;
const RUNS = QUICK ? 3 : 9;
const WARMUP_ROUNDS = QUICK ? 1 : 3;
const TARGET_RATIO = 0.7;
const RATE_PAGES = QUICK ? 20 : 60;
const PER_SECOND = 20;
const RATE_TOLERANCE = 0.05;

const log = (message: string) => process.stderr.write(`${message}\n`);

// A record of about 1 KiB of JSON, with the id the source's `id` pointer reads.
function record(index: number): string {
  const text = JSON.stringify({ id: index, updated_at: new Date(Date.UTC(2026, 10, 1, 0, 0, index)).toISOString() });
  return `${text.slice(0, -1)},"note":"${'x'.repeat(1024 - text.length - 10)}"}`;
}

// Page n (1-based) with the cursor of the next page; the last page has none.
function pageBody(page: number, pages: number): string {
  const records = Array.from({ length: RECORDS_PER_PAGE }, (_, offset) =>
    record((page - 1) * RECORDS_PER_PAGE + offset),
  );
  const next = page < pages ? `,"next":"p${page + 1}"` : '';
  return `{"data":[${records.join(',')}]${next}}`;
}

interface FakeApi {
  readonly url: string;
  /** performance.now() of each request's arrival, in order. */
  readonly arrivals: number[];
  close(): Promise<void>;
}

// The pages are built once, so the server's cost per request is a lookup and a write.
async function startFakeApi(pages: number): Promise<FakeApi> {
  const bodies = Array.from({ length: pages }, (_, index) => Buffer.from(pageBody(index + 1, pages)));
  const arrivals: number[] = [];
  const server: Server = createServer((request, response) => {
    arrivals.push(performance.now());
    const after = new URL(request.url ?? '/', 'http://localhost').searchParams.get('after');
    const body = bodies[after === null ? 0 : Number(after.slice(1)) - 1];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/records`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function benchSource(url: string, perSecond?: number): SourceConfig {
  const input = {
    stream: 'events',
    schedule: 'rate(1 minute)',
    request: { url },
    records: '/data',
    paginate: { type: 'cursor', path: '/next', param: 'after' },
    id: '/id',
    ...(perSecond === undefined ? {} : { rateLimit: { perSecond } }),
  };
  return { ...v.parse(SourceSchema, input), name: 'bench' };
}

const STREAM = stream(true);

/** A delivery stream that acknowledges every batch at once and counts what it was given. */
class CountingDelivery implements RecordDelivery {
  records = 0;
  deadLetters = 0;
  async deliver(batch: DeliveryBatch): Promise<void> {
    if (batch.channel === 'records') this.records += batch.records.length;
    else this.deadLetters += batch.records.length;
  }
}

const noSecrets = {
  async read(name: string): Promise<string> {
    throw new Error(`no secret ${name}`);
  },
};

interface PullRun {
  readonly ms: number;
  readonly records: number;
  readonly status: string;
  /** Time from calling fetch to its headers, summed over the run. */
  readonly fetchMs: number;
}

let runCounter = 0;

async function viaRunner(source: SourceConfig): Promise<PullRun> {
  const delivery = new CountingDelivery();
  let fetchMs = 0;
  const timedFetch: typeof fetch = async (input, init) => {
    const start = performance.now();
    const answer = await fetch(input, init);
    fetchMs += performance.now() - start;
    return answer;
  };
  runCounter += 1;
  const start = performance.now();
  const summary = await runPull(
    { tenant: 'bench', source, stream: STREAM, runId: `bench-${runCounter}` },
    { store: new MemoryStateStore(), secrets: noSecrets, delivery, fetch: timedFetch },
  );
  const ms = performance.now() - start;
  if (delivery.records !== summary.records) throw new Error('the delivery counted other records than the summary');
  return { ms, records: delivery.records, status: summary.status, fetchMs };
}

// What no pull can skip: one request per page, its body read and parsed, the next cursor followed.
async function viaBareLoop(url: string): Promise<PullRun> {
  let records = 0;
  let fetchMs = 0;
  let cursor: string | undefined;
  const start = performance.now();
  do {
    const pageUrl = cursor === undefined ? url : `${url}?after=${cursor}`;
    const before = performance.now();
    const answer = await fetch(pageUrl);
    fetchMs += performance.now() - before;
    const page = JSON.parse(await answer.text()) as { data: unknown[]; next?: string };
    records += page.data.length;
    cursor = page.next;
  } while (cursor !== undefined);
  return { ms: performance.now() - start, records, status: 'succeeded', fetchMs };
}

/** Milliseconds each step of turning the run's pages into lines takes, summed over all pages. */
function partsOfPageRecords(source: SourceConfig): Record<string, number> {
  const texts = Array.from({ length: PAGES }, (_, index) => pageBody(index + 1, PAGES));
  const parts = {
    jsonParse: 0,
    recordsArrayText: 0,
    nextCursorText: 0,
    arrayElements: 0,
    idTexts: 0,
    recordIds: 0,
    frame: 0,
    pageRecords: 0,
  };
  const time = (part: keyof typeof parts, work: () => unknown) => {
    const start = performance.now();
    work();
    parts[part] += performance.now() - start;
  };
  for (const [index, text] of texts.entries()) {
    time('jsonParse', () => JSON.parse(text));
    let arrayText = '';
    time('recordsArrayText', () => {
      arrayText = jsonPointerText(text, '/data') ?? '';
    });
    time('nextCursorText', () => jsonPointerText(text, '/next'));
    let elements: string[] = [];
    time('arrayElements', () => {
      elements = jsonArrayElements(arrayText);
    });
    let ids: string[] = [];
    time('idTexts', () => {
      ids = elements.map((element) => jsonPointerText(element, '/id') ?? element);
    });
    time('recordIds', () => ids.map((id) => recordId(source.name, id)));
    time('frame', () => elements.map((element) => frameJsonRecord(element)));
    time('pageRecords', () =>
      pageRecords(text, { source, stream: STREAM, run: 'parts', page: index + 1, fetchedAt: new Date() }),
    );
  }
  return Object.fromEntries(Object.entries(parts).map(([part, ms]) => [part, round(ms)]));
}

/** Runs the measurement; resolves with the results bench/results/pull.json holds. */
async function measurePull(): Promise<Record<string, unknown>> {
  const expected = PAGES * RECORDS_PER_PAGE;
  const api = await startFakeApi(PAGES);
  const runner: PullRun[] = [];
  const bare: PullRun[] = [];
  try {
    const source = benchSource(api.url);
    // Untimed rounds of each warm the JIT and the keep-alive pool (one was not enough: the
    // next few runs of both sides were still up to twice as slow as the later ones).
    for (let round = 0; round < WARMUP_ROUNDS; round += 1) {
      await viaRunner(source);
      await viaBareLoop(api.url);
    }
    for (let run = 0; run < RUNS; run += 1) {
      // The order alternates so that neither side always runs on the warmer machine.
      const pair = run % 2 === 0 ? [true, false] : [false, true];
      for (const useRunner of pair) {
        const result = useRunner ? await viaRunner(source) : await viaBareLoop(api.url);
        if (result.records !== expected || result.status !== 'succeeded') {
          throw new Error(`a run pulled ${result.records} records (${result.status}), not ${expected}`);
        }
        (useRunner ? runner : bare).push(result);
      }
      const last = runner.at(-1) as PullRun;
      const lastBare = bare.at(-1) as PullRun;
      log(
        `run ${run + 1}/${RUNS}: runPull ${round(last.ms)} ms, bare loop ${round(lastBare.ms)} ms for ${expected} records`,
      );
    }
  } finally {
    await api.close();
  }

  // Where the runner's extra time goes: the steps of pageRecords over the same pages, one by one.
  partsOfPageRecords(benchSource(api.url));
  const parts = partsOfPageRecords(benchSource(api.url));
  log(`parts of pageRecords over ${PAGES} pages (ms): ${JSON.stringify(parts)}`);

  const perSecond = (runs: PullRun[]) => runs.map((run) => (run.records / run.ms) * 1000);
  const runnerRate = spread(perSecond(runner), 0);
  const bareRate = spread(perSecond(bare), 0);
  // Each run of the runner against the bare loop run beside it: the machine's pace drifts
  // between runs, and a ratio within a pair does not see that drift.
  const pairedRatios = runner.map((run, index) => (bare[index] as PullRun).ms / run.ms);
  const ratio = median(pairedRatios);

  // The rate check: a run under rateLimit.perSecond, timed by the requests' arrivals at the server.
  const limited = await startFakeApi(RATE_PAGES);
  let rateRun: PullRun;
  try {
    rateRun = await viaRunner(benchSource(limited.url, PER_SECOND));
  } finally {
    await limited.close();
  }
  const first = limited.arrivals[0] ?? 0;
  const lastArrival = limited.arrivals.at(-1) ?? 0;
  const measured = ((limited.arrivals.length - 1) / (lastArrival - first)) * 1000;
  const deviation = Math.abs(measured - PER_SECOND) / PER_SECOND;

  const results = {
    measuredOnNode: process.version,
    pages: PAGES,
    recordsPerPage: RECORDS_PER_PAGE,
    recordBytes: 1024,
    runs: RUNS,
    throughput: {
      targetRatio: TARGET_RATIO,
      runPullRecordsPerSecond: runnerRate,
      bareLoopRecordsPerSecond: bareRate,
      ratio: round(ratio),
      pairedRatios: pairedRatios.map((value) => round(value, 3)),
      ratioOfMedians: round(runnerRate.median / bareRate.median),
      met: ratio >= TARGET_RATIO,
      runPullMs: spread(runner.map((run) => run.ms)),
      bareLoopMs: spread(bare.map((run) => run.ms)),
      runPullFetchToHeadersMs: spread(runner.map((run) => run.fetchMs)),
      bareLoopFetchToHeadersMs: spread(bare.map((run) => run.fetchMs)),
      partsOfPageRecordsMs: parts,
    },
    rateLimit: {
      perSecond: PER_SECOND,
      pages: RATE_PAGES,
      requests: limited.arrivals.length,
      measuredPerSecond: round(measured, 3),
      deviation: round(deviation, 4),
      tolerance: RATE_TOLERANCE,
      met: deviation <= RATE_TOLERANCE,
      runMs: round(rateRun.ms),
    },
  };
  log(JSON.stringify(results, null, 2));
  return results;
}

if (process.env.SLUICE_BENCH_CHILD === '1') {
  const results = await measurePull();
  process.send?.(results);
}
