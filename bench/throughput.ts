/**
 * Benchmark 3, local end-to-end throughput: autocannon (its own process) posts 1 KiB valid
 * `orders` records with a valid token over 50 connections to `sluice dev`; to a bare Node
 * server doing the same durable work (jose token check, JSON.parse, fsynced append); to a bare
 * Node server that only JSON.parses (the ceiling); and to FastAPI + uvicorn validating the same
 * schema with pydantic, when it is installed; and to Moose's ingest API when one runs
 * (SLUICE_BENCH_MOOSE_URL, bench/support/moose-target.ts). They take turns over several rounds;
 * the medians of requests per second and of CPU time per request are compared (ADR 0006). Then
 * a scaling row (`sluice dev`, and Moose, at -c 1, 10, 50, 200) and, with
 * SLUICE_BENCH_SOAK_SECONDS, `sluice dev`'s RSS after a run at half its peak rate.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from '#infra/paths';
import { ingestPath, JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract/contract';
import { selfIssuerAudience } from '#shared/tokens/token-claims';
import throughputTenant from './fixtures/throughput-tenant.ts';
import { MOOSE_SKIPPED, mooseTarget } from './support/moose-target.ts';
import { orderRecord } from './support/payloads.ts';
import {
  endedChildrenCpuMicroseconds,
  mainThreadCpuMicroseconds,
  processTreeCpuMicroseconds,
  processTreeRssBytes,
} from './support/process-cpu.ts';
import { writeResults } from './support/results.ts';
import { rotated, round, spread } from './support/stats.ts';

const COMMAND = 'npm run bench -- throughput';
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 3;
const DURATION_SECONDS = QUICK ? 3 : 10;
const WARMUP_SECONDS = QUICK ? 1 : 3;
const CONNECTIONS = 50;
/** The scaling row's connection counts. */
const SCALING_CONNECTIONS = [1, 10, 50, 200] as const;
/** Seconds of the run at half the peak rate after which RSS is read; 0 (the default) skips it. */
const SOAK_SECONDS = Number(process.env.SLUICE_BENCH_SOAK_SECONDS ?? 0);
const PYTHON = '/usr/bin/python3';
const APT_INSTALL = 'apt-get install -y python3-fastapi uvicorn python3-uvloop python3-httptools';
/** Judged on requests per second and on CPU time per request, each measured in the same run. */
const TARGETS = { overFastApi: 3, ofDurableNode: 0.6 };

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Target {
  readonly name: 'sluice dev' | 'bare node durable' | 'bare node' | 'fastapi' | 'moose';
  readonly url: string;
  readonly token: string;
  /** The server's process, when this benchmark started it (stopped at the end). */
  readonly process?: ChildProcess;
  /** The process whose tree's CPU is counted; without one, CPU per request is not measured. */
  readonly pid?: number | undefined;
  /** What this target is posted instead of the 1 KiB order (Moose takes its own model). */
  readonly body?: string;
}

interface Sample {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** User + system CPU of the server's processes over the run, per request answered (NaN without a pid). */
  readonly cpuMicrosecondsPerRequest: number;
  /** Cores the server's main thread kept busy over the run (the one thread of a Node server's own work). */
  readonly mainThreadCores: number;
  /** Cores autocannon kept busy over the run: what the machine's two leave the server. */
  readonly loadGeneratorCores: number;
}

const execFileAsync = promisify(execFile);

const pidOf = (target: Target): number | undefined => target.pid ?? target.process?.pid;

function fastApiAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import fastapi, uvicorn, uvloop, httptools'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a child and resolves with the first stdout match of `pattern` (the server is then up). */
function startChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  pattern: RegExp,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let settled = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${text}`)), 30_000);
    const onData = (chunk: Buffer) => {
      if (settled) return;
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        // Read on but keep nothing more: the output of a server under load is not needed.
        settled = true;
        clearTimeout(timer);
        resolve({ child, match, output: () => text });
      }
    };
    child[stream]?.on('data', onData);
    const other = stream === 'stdout' ? child.stderr : child.stdout;
    other?.on('data', (chunk: Buffer) => {
      if (!settled) text += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${text}`));
    });
  });
}

async function startSluiceDev(home: string): Promise<Target> {
  const tenant = repoPath('bench', 'fixtures', 'throughput-tenant.ts');
  const { child, match } = await startChild(
    process.execPath,
    [repoPath('cli', 'sluice.mjs'), 'dev', '--tenant', tenant, '--port', '0', '--s3-port', '0'],
    { ...process.env, SLUICE_HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    /URL\s+(http:\/\/\S+)[\s\S]*?token\s+(\S+)/,
  );
  return { name: 'sluice dev', url: `${match[1]}${ingestPath('orders')}`, token: match[2] ?? '', process: child };
}

async function startBareNode(): Promise<Target> {
  const { child, match } = await startChild(
    process.execPath,
    [repoPath('bench', 'servers', 'bare-node.mjs'), '0'],
    process.env,
    /listening (\d+)/,
  );
  return { name: 'bare node', url: `http://127.0.0.1:${match[1]}${ingestPath('orders')}`, token: '', process: child };
}

/** The durable bare server trusts the keys and issuer `sluice dev` publishes, so it takes the same token. */
async function startBareNodeDurable(home: string, sluice: Target): Promise<Target> {
  const base = new URL(sluice.url).origin;
  const jwks = await (await fetch(`${base}${JWKS_PATH}`)).text();
  const { issuer } = (await (await fetch(`${base}${OPENID_CONFIGURATION_PATH}`)).json()) as { issuer: string };
  const { child, match } = await startChild(
    process.execPath,
    [repoPath('bench', 'servers', 'bare-node-durable.mjs'), '0', join(home, 'bare-node-durable.journal')],
    {
      ...process.env,
      BENCH_JWKS: jwks,
      BENCH_ISSUER: issuer,
      BENCH_AUDIENCE: selfIssuerAudience(throughputTenant.tenant),
    },
    /listening (\d+)/,
  );
  return {
    name: 'bare node durable',
    url: `http://127.0.0.1:${match[1]}${ingestPath('orders')}`,
    token: sluice.token,
    process: child,
  };
}

async function startFastApi(port: number): Promise<Target> {
  const { child } = await startChild(
    PYTHON,
    [
      '-m',
      'uvicorn',
      'fastapi_orders:app',
      '--app-dir',
      repoPath('bench', 'servers'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--loop',
      'uvloop',
      '--http',
      'httptools',
      '--no-access-log',
    ],
    process.env,
    /Uvicorn running on/,
    'stderr',
  );
  return { name: 'fastapi', url: `http://127.0.0.1:${port}${ingestPath('orders')}`, token: '', process: child };
}

function freePort(): number {
  const output = execFileSync(process.execPath, [
    '-e',
    "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ]);
  return Number(output.toString().trim());
}

/**
 * One autocannon run, in its own process (its CPU, measured, is the load generator's share);
 * `rate` caps the requests per second over all connections.
 */
async function load(
  target: Target,
  body: string,
  seconds: number,
  connections = CONNECTIONS,
  rate?: number,
): Promise<Sample> {
  const pid = pidOf(target);
  const cpuBefore = pid === undefined ? 0 : processTreeCpuMicroseconds(pid);
  const loadCpuBefore = endedChildrenCpuMicroseconds();
  const mainBefore = pid === undefined ? Number.NaN : mainThreadCpuMicroseconds(pid);
  const posted = target.body ?? body;
  const headers = ['-H', 'content-type=application/json'];
  if (target.token) headers.push('-H', `authorization=Bearer ${target.token}`);
  // Asynchronous, so that this process keeps reading the servers' output meanwhile: a server
  // whose stdout is not read keeps it in memory (sluice dev then leaves its request lines out).
  const { stdout: output } = await execFileAsync(
    process.execPath,
    [
      repoPath('node_modules', 'autocannon', 'autocannon.js'),
      '-c',
      String(connections),
      ...(rate === undefined ? [] : ['-R', String(Math.max(1, Math.round(rate)))]),
      '-d',
      String(seconds),
      '-m',
      'POST',
      ...headers,
      '-b',
      posted,
      '-j',
      target.url,
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const cpuUsed = pid === undefined ? Number.NaN : processTreeCpuMicroseconds(pid) - cpuBefore;
  // autocannon has ended and been waited for: its CPU is now in this process's children's.
  const loadCpuUsed = endedChildrenCpuMicroseconds() - loadCpuBefore;
  const mainUsed = pid === undefined ? Number.NaN : mainThreadCpuMicroseconds(pid) - mainBefore;
  const result = JSON.parse(output) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuMicrosecondsPerRequest: round(cpuUsed / Math.max(1, result.requests.total), 1),
    mainThreadCores: round(mainUsed / (seconds * 1_000_000), 2),
    loadGeneratorCores: round(loadCpuUsed / (seconds * 1_000_000), 2),
  };
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A ratio of sluice dev to one baseline, on both measures; null where the baseline did not run. */
interface Comparison {
  /** Sluice's req/s over the baseline's: higher is better for Sluice. */
  readonly requestsPerSecond: number | null;
  /** The baseline's CPU per request over Sluice's: higher is better for Sluice. */
  readonly cpuPerRequest: number | null;
}

function judged(comparison: Comparison, target: number) {
  const meets = (value: number | null) => (value === null ? null : value >= target);
  return { requestsPerSecond: meets(comparison.requestsPerSecond), cpuPerRequest: meets(comparison.cpuPerRequest) };
}

/** Requests per second and p99 of each target at each of SCALING_CONNECTIONS, one run each. */
async function scalingRows(targets: readonly Target[], body: string) {
  const rows: {
    target: string;
    connections: number;
    requestsPerSecond: number;
    p99Ms: number;
    cpuMicrosecondsPerRequest: number;
    loadGeneratorCores: number;
  }[] = [];
  for (const connections of SCALING_CONNECTIONS) {
    for (const target of targets) {
      const sample = await load(target, body, DURATION_SECONDS, connections);
      log(
        `scaling ${target.name.padEnd(10)} -c ${String(connections).padStart(3)} ${sample.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${sample.p99Ms} ms  ${sample.cpuMicrosecondsPerRequest} µs CPU/request  autocannon ${sample.loadGeneratorCores} cores  non-2xx ${sample.non2xx}`,
      );
      rows.push({
        target: target.name,
        connections,
        requestsPerSecond: round(sample.requestsPerSecond, 0),
        p99Ms: sample.p99Ms,
        cpuMicrosecondsPerRequest: sample.cpuMicrosecondsPerRequest,
        loadGeneratorCores: sample.loadGeneratorCores,
      });
    }
  }
  return rows;
}

/**
 * The server's RSS through SOAK_SECONDS of posts at `rate` per second (half its peak), read
 * after each tenth of the run: memory that still grows once warm is a leak, not a cache filling.
 */
async function soakRss(target: Target, body: string, rate: number) {
  const pid = pidOf(target);
  if (SOAK_SECONDS <= 0 || pid === undefined) return undefined;
  const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
  const rssMiB = [mib(processTreeRssBytes(pid))];
  const samples: Sample[] = [];
  const step = Math.max(1, Math.round(SOAK_SECONDS / 10));
  for (let elapsed = 0; elapsed < SOAK_SECONDS; elapsed += step) {
    samples.push(await load(target, body, Math.min(step, SOAK_SECONDS - elapsed), CONNECTIONS, rate));
    rssMiB.push(mib(processTreeRssBytes(pid)));
  }
  const median = (values: number[]) => spread(values).median;
  const result = {
    seconds: SOAK_SECONDS,
    rate: Math.round(rate),
    requestsPerSecond: round(median(samples.map((sample) => sample.requestsPerSecond)), 0),
    p99Ms: median(samples.map((sample) => sample.p99Ms)),
    rssMiBEveryTenth: rssMiB,
    non2xx: samples.reduce((sum, sample) => sum + sample.non2xx, 0),
  };
  log(
    `soak ${SOAK_SECONDS} s at ${result.rate} req/s: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms (median of ${samples.length} parts), RSS MiB ${rssMiB.join(' -> ')}`,
  );
  return result;
}

/** Runs the benchmark; resolves with 0 (FastAPI or Moose missing only skips that baseline). */
export async function runThroughput(): Promise<number> {
  const withFastApi = fastApiAvailable();
  if (!withFastApi) {
    log(
      `FastAPI, uvicorn, uvloop or httptools is missing for ${PYTHON}: the FastAPI baseline is skipped. Install them with:\n  ${APT_INSTALL}`,
    );
  }
  const home = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const targets: Target[] = [];
  try {
    // Each server is listed as soon as it runs, so that `finally` stops it whatever fails next.
    const sluice = await startSluiceDev(home);
    targets.push(sluice);
    targets.push(await startBareNodeDurable(home, sluice));
    targets.push(await startBareNode());
    if (withFastApi) targets.push(await startFastApi(freePort()));
    const moose = mooseTarget();
    if (moose) targets.push(moose);
    else log(MOOSE_SKIPPED);
    const body = orderRecord();
    const samples = new Map<string, Sample[]>(targets.map((target) => [target.name, []]));
    for (const target of targets) {
      const warm = await load(target, body, WARMUP_SECONDS);
      if (warm.non2xx > 0 || warm.errors > 0) {
        throw new Error(`${target.name}: ${warm.non2xx} non-2xx answers and ${warm.errors} errors in the warm-up`);
      }
    }
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      // Rotating the order spreads any drift of the machine over every server.
      const order = rotated(targets, roundIndex);
      for (const target of order) {
        const sample = await load(target, body, DURATION_SECONDS);
        samples.get(target.name)?.push(sample);
        log(
          `round ${roundIndex + 1}/${ROUNDS} ${target.name.padEnd(17)} ${sample.requestsPerSecond.toFixed(0).padStart(6)} req/s  ${sample.cpuMicrosecondsPerRequest.toFixed(1).padStart(6)} µs CPU/request  main thread ${sample.mainThreadCores} cores  autocannon ${sample.loadGeneratorCores} cores  p50 ${sample.p50Ms} ms  p99 ${sample.p99Ms} ms  non-2xx ${sample.non2xx}  errors ${sample.errors}`,
        );
      }
    }
    const summary = Object.fromEntries(
      [...samples].map(([name, list]) => [
        name,
        {
          requestsPerSecond: spread(
            list.map((sample) => sample.requestsPerSecond),
            0,
          ),
          cpuMicrosecondsPerRequest: spread(
            list.map((sample) => sample.cpuMicrosecondsPerRequest),
            1,
          ),
          mainThreadCores: spread(list.map((sample) => sample.mainThreadCores)),
          loadGeneratorCores: spread(list.map((sample) => sample.loadGeneratorCores)),
          p50Ms: spread(list.map((sample) => sample.p50Ms)),
          p99Ms: spread(list.map((sample) => sample.p99Ms)),
          non2xx: list.reduce((sum, sample) => sum + sample.non2xx, 0),
          errors: list.reduce((sum, sample) => sum + sample.errors, 0),
        },
      ]),
    );
    const rps = (name: string) => summary[name]?.requestsPerSecond.median;
    const cpu = (name: string) => summary[name]?.cpuMicrosecondsPerRequest.median;
    const compare = (baseline: string): Comparison => {
      const [ownRps, baseRps, ownCpu, baseCpu] = [rps('sluice dev'), rps(baseline), cpu('sluice dev'), cpu(baseline)];
      return {
        requestsPerSecond: ownRps === undefined || baseRps === undefined ? null : round(ownRps / baseRps, 2),
        cpuPerRequest:
          ownCpu === undefined || baseCpu === undefined || !Number.isFinite(baseCpu)
            ? null
            : round(baseCpu / ownCpu, 2),
      };
    };
    const ratios = {
      overFastApi: compare('fastapi'),
      ofDurableNode: compare('bare node durable'),
      ofBareNodeCeiling: compare('bare node'),
      ofMoose: compare('moose'),
    };
    const met = {
      overFastApi: judged(ratios.overFastApi, TARGETS.overFastApi),
      ofDurableNode: judged(ratios.ofDurableNode, TARGETS.ofDurableNode),
    };
    const verdict = (value: boolean | null) => (value === null ? 'skipped' : value ? 'met' : 'MISSED');
    for (const [name, target] of [
      ['FastAPI', 'overFastApi'],
      ['bare node durable', 'ofDurableNode'],
    ] as const) {
      log(
        `sluice dev vs ${name} (target >= ${TARGETS[target]}): req/s ${ratios[target].requestsPerSecond ?? '-'} x (${verdict(met[target].requestsPerSecond)}), CPU per request ${ratios[target].cpuPerRequest ?? '-'} x (${verdict(met[target].cpuPerRequest)})`,
      );
    }
    log(
      `sluice dev vs bare node (ceiling, no target): req/s ${ratios.ofBareNodeCeiling.requestsPerSecond} x, CPU per request ${ratios.ofBareNodeCeiling.cpuPerRequest} x`,
    );
    const p99 = (name: string) => summary[name]?.p99Ms.median;
    if (moose) {
      log(
        `sluice dev vs Moose (target >= 1 x req/s, p99 <= Moose's): req/s ${ratios.ofMoose.requestsPerSecond} x, p99 ${p99('sluice dev')} vs ${p99('moose')} ms`,
      );
    }
    const scaling = await scalingRows(
      targets.filter((target) => target.name === 'sluice dev' || target.name === 'moose'),
      body,
    );
    const peak = rps('sluice dev');
    const soak = peak === undefined ? undefined : await soakRss(sluice, body, peak / 2);
    const file = writeResults('throughput', COMMAND, {
      connections: CONNECTIONS,
      durationSeconds: DURATION_SECONDS,
      rounds: ROUNDS,
      bodyBytes: Buffer.byteLength(body),
      note: 'autocannon, the server under test and the idle others share the machine; the CPU autocannon used over each run, per second of -d, is loadGeneratorCores (0.1-0.8 of a core here). CPU per request: user + system of the server process tree over each run, divided by the requests answered',
      fastApi: withFastApi ? 'measured' : `skipped: not installed for ${PYTHON} (${APT_INSTALL})`,
      moose: moose ? `measured at ${moose.url}` : MOOSE_SKIPPED,
      targets: TARGETS,
      summary,
      ratios,
      targetsMet: met,
      scaling,
      soak: soak ?? `skipped: set SLUICE_BENCH_SOAK_SECONDS (600 for the 10-minute run)`,
    });
    log(`results: ${file}`);
    return 0;
  } finally {
    await Promise.all(targets.map((target) => stop(target.process)));
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  process.exitCode = await runThroughput();
}
