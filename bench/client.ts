/**
 * Client benchmark (`npm run bench -- client`): records per second of 1 KiB records from this
 * process to `sluice dev` on a batch stream, sent several ways, in rotating order over rounds:
 * a one-request-per-record fetch loop; a hand-written loop posting NDJSON batches of the most
 * that fit, one at a time, without spool or Idempotency-Key; the client (`await send` per
 * record); and the client with a spool (`await send` per record, and `sendMany` per 500).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSpool } from '#clients/typescript/src/file-spool';
import { SluiceClient } from '#clients/typescript/src/index';
import { repoPath } from '#infra/paths';
import { DEFAULT_MAX_BYTES, ingestPath } from '#shared/contract/contract';
import { MAX_BATCH_RECORDS } from '#shared/contract/ingest-limits';
import { eventRecord } from './support/payloads.ts';
import { writeResults } from './support/results.ts';
import { median, rotated, round } from './support/stats.ts';

const COMMAND = 'npm run bench -- client';
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 3;
const BATCHED_RECORDS = QUICK ? 5_000 : 20_000;
const SINGLE_RECORDS = QUICK ? 500 : 2_000;
const SPOOL_SINGLE_RECORDS = QUICK ? 500 : 2_000;
const TARGETS = { overPerRecordLoop: 10, ofHandBatching: 0.8 };
const WARM_UP_RECORDS = QUICK ? 500 : 2_000;

const log = (message: string) => process.stderr.write(`${message}\n`);

async function startSluiceDev(home: string): Promise<{ child: ChildProcess; base: string; token: string }> {
  const tenant = repoPath('bench', 'fixtures', 'client-tenant.ts');
  const child = spawn(
    process.execPath,
    [repoPath('cli', 'sluice.mjs'), 'dev', '--tenant', tenant, '--port', '0', '--s3-port', '0', '--no-schedules'],
    { env: { ...process.env, SLUICE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /URL\s+(http:\/\/\S+)[\s\S]*?token\s+(\S+)/.exec(text);
      if (match) resolve({ child, base: match[1] ?? '', token: match[2] ?? '' });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`sluice dev exited with ${code}:\n${text}`)));
  });
}

type Way = (records: readonly string[]) => Promise<void>;

/** Records per second of one way over `records`. */
async function measure(way: Way, records: readonly string[]): Promise<number> {
  const started = performance.now();
  await way(records);
  return records.length / ((performance.now() - started) / 1000);
}

/** Runs the benchmark; resolves with the exit code. */
export async function runClientBench(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'sluice-bench-client-'));
  const server = await startSluiceDev(home);
  const url = `${server.base}${ingestPath('events')}`;
  const headers = { authorization: `Bearer ${server.token}` };
  const expectAccepted = async (response: Response) => {
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`sluice dev answered ${response.status}`);
  };
  const newClient = (spool?: string, gzip = false) =>
    new SluiceClient({
      url: server.base,
      token: server.token,
      streams: { events: { batch: true } },
      // To loopback the client sends bodies as they are unless told a size to gzip from.
      ...(gzip ? { gzipAboveBytes: 65_536 } : {}),
      ...(spool ? { spool: new FileSpool(spool) } : {}),
    });
  const handBatching = async (records: readonly string[], keys: boolean) => {
    let batch: string[] = [];
    let bytes = 0;
    const post = async () => {
      await expectAccepted(
        await fetch(url, {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/x-ndjson',
            ...(keys ? { 'idempotency-key': crypto.randomUUID() } : {}),
          },
          body: `${batch.join('\n')}\n`,
        }),
      );
      batch = [];
      bytes = 0;
    };
    for (const record of records) {
      if (batch.length === MAX_BATCH_RECORDS || bytes + record.length + 1 > DEFAULT_MAX_BYTES) await post();
      batch.push(record);
      bytes += record.length + 1;
    }
    if (batch.length > 0) await post();
  };
  let spools = 0;
  const nextSpool = () => {
    spools += 1;
    return join(home, `spool-${spools}`);
  };
  const ways: Record<string, { records: number; way: Way }> = {
    'per-record fetch loop': {
      records: SINGLE_RECORDS,
      way: async (records) => {
        for (const record of records) {
          await expectAccepted(
            await fetch(url, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: record,
            }),
          );
        }
      },
    },
    'hand-written batching loop': { records: BATCHED_RECORDS, way: (records) => handBatching(records, false) },
    'hand-written batching loop with keys': { records: BATCHED_RECORDS, way: (records) => handBatching(records, true) },
    client: {
      records: BATCHED_RECORDS,
      way: async (records) => {
        const client = newClient();
        for (const record of records) await client.send('events', record);
        const result = await client.close();
        if (result.accepted !== records.length) throw new Error(`client: ${JSON.stringify(result)}`);
      },
    },
    'client, sendMany per 500': {
      records: BATCHED_RECORDS,
      way: async (records) => {
        const client = newClient();
        for (let start = 0; start < records.length; start += 500) {
          await client.sendMany('events', records.slice(start, start + 500));
        }
        await client.close();
      },
    },
    'client, gzip from 64 KiB as to a remote API': {
      records: BATCHED_RECORDS,
      way: async (records) => {
        const client = newClient(undefined, true);
        for (const record of records) await client.send('events', record);
        await client.close();
      },
    },
    'client with spool, send per record': {
      records: SPOOL_SINGLE_RECORDS,
      way: async (records) => {
        const client = newClient(nextSpool());
        for (const record of records) await client.send('events', record);
        await client.close();
      },
    },
    'client with spool, sendMany per 500': {
      records: BATCHED_RECORDS,
      way: async (records) => {
        const client = newClient(nextSpool());
        for (let start = 0; start < records.length; start += 500) {
          await client.sendMany('events', records.slice(start, start + 500));
        }
        await client.close();
      },
    },
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
  // Made once, before the first request: generating them between two ways took longer than the
  // server's keep-alive timeout, and the next way's first post then raced the closing socket.
  const payload = Array.from({ length: BATCHED_RECORDS }, (_, index) => eventRecord(1024, index));
  try {
    // One untimed run of each way warms the JIT, gzip and the keep-alive pool: without it the
    // first round measured the client at about half its later rate (4,604 against 7,539 and
    // 8,736 records/s in one run), and the median of three rounds then hung on the noise.
    for (const { records, way } of Object.values(ways)) await way(payload.slice(0, Math.min(records, WARM_UP_RECORDS)));
    // Each round starts one way further on: a way measured right after a heavy one shares the
    // server with the landing of that one's records, so no way may always take that place.
    const entries = Object.entries(ways);
    for (let round_ = 1; round_ <= ROUNDS; round_ += 1) {
      const order = rotated(entries, round_ - 1);
      for (const [name, { records, way }] of order) {
        const perSecond = await measure(way, payload.slice(0, records));
        samples[name]?.push(perSecond);
        log(`round ${round_}: ${name}: ${Math.round(perSecond)} records/s`);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    rmSync(home, { recursive: true, force: true });
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([name, runs]) => [name, round(median(runs), 0)]));
  const client = medians.client ?? 0;
  const ratios = {
    clientOverPerRecordLoop: round(client / (medians['per-record fetch loop'] ?? 1)),
    clientOfHandBatching: round(client / (medians['hand-written batching loop'] ?? 1)),
    clientOfHandBatchingWithKeys: round(client / (medians['hand-written batching loop with keys'] ?? 1)),
    spoolPerRecordOfClient: round((medians['client with spool, send per record'] ?? 0) / client),
    spoolSendManyOfClient: round((medians['client with spool, sendMany per 500'] ?? 0) / client),
  };
  const met =
    ratios.clientOverPerRecordLoop >= TARGETS.overPerRecordLoop &&
    ratios.clientOfHandBatching >= TARGETS.ofHandBatching;
  const file = writeResults('client', COMMAND, {
    recordBytes: 1024,
    rounds: ROUNDS,
    recordsPerSecond: medians,
    samples,
    ratios,
    targets: TARGETS,
    met,
  });
  log(`${JSON.stringify({ recordsPerSecond: medians, ratios, met })}\nwrote ${file}`);
  return met ? 0 : 1;
}
