/**
 * The kill test of the client: a sender (`sluice send --spool`, or a script using the library)
 * and `sluice dev` are each killed with SIGKILL at random moments and restarted with the same
 * arguments, until the sender finishes; then every landed record is reconciled by id from
 * `sluice batches cat`. The moments are counted in the sender's progress lines, not in time,
 * so that a run is the same on a slow machine.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { sluiceHome } from '#local/sluice-home';
import { type DevProcess, REPO_ROOT, SLUICE_BIN, startDevProcess } from '../support/dev-process.ts';

const run = promisify(execFile);
const LIBRARY_SENDER = fileURLToPath(new URL('./library-sender.ts', import.meta.url));

/** Options of one chaos run. */
export interface ChaosOptions {
  readonly sender: 'cli' | 'library';
  readonly records: number;
  readonly senderKills: number;
  readonly serverKills: number;
  /** A number in [0, 1); seeded in the automated test. */
  readonly random: () => number;
  readonly log?: (line: string) => void;
}

/** What landed, by record id. */
export interface ChaosCounts {
  readonly sent: number;
  readonly landed: number;
  readonly distinct: number;
  readonly duplicated: number;
  readonly missing: number;
  readonly senderKills: number;
  readonly serverKills: number;
  readonly senderRuns: number;
}

/** The record with index `index`: an id and some padding, about 200 bytes. */
export function chaosRecord(index: number): string {
  return JSON.stringify({ id: `k-${index}`, at: index, pad: 'p'.repeat(160) });
}

/** Writes `count` records as NDJSON. */
async function writeRecords(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let index = 0; index < count; index += 1) {
    if (!out.write(`${chaosRecord(index)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** A mulberry32 generator: the same kills for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the chaos and reconciles. */
export async function runKillChaos(options: ChaosOptions): Promise<ChaosCounts> {
  const log = options.log ?? (() => {});
  const root = await mkdtemp(join(tmpdir(), 'sluice-kill-'));
  const base = join(root, '.sluice');
  const env = { ...process.env, SLUICE_HOME: base, PORT: '' };
  const file = join(root, 'records.ndjson');
  const spool = join(root, 'spool');
  try {
    if (options.sender === 'cli') await writeRecords(file, options.records);
    let server: DevProcess = await startDevProcess(base, ['--no-schedules', '--s3-port', '0', '--flush-seconds', '1']);
    const port = new URL(server.url).port;
    const home = sluiceHome('example', { SLUICE_HOME: base }, REPO_ROOT);
    const token = await signLocalToken(await loadOrCreateKeySet(home.keySetFile), {
      issuer: server.url,
      tenant: 'example',
      days: 1,
    });
    // Progress lines after which a kill happens: random points over the run's expected lines.
    const expectedLines = Math.max(1, Math.ceil(options.records / 500));
    const plan = [
      ...Array.from({ length: options.senderKills }, () => 'sender' as const),
      ...Array.from({ length: options.serverKills }, () => 'server' as const),
    ]
      .map((target) => ({ target, at: 1 + Math.floor(options.random() * expectedLines) }))
      .sort((a, b) => a.at - b.at);
    let lines = 0;
    let senderKills = 0;
    let serverKills = 0;
    let senderRuns = 0;

    const startSender = (): ChildProcessWithoutNullStreams => {
      senderRuns += 1;
      const args =
        options.sender === 'cli'
          ? [
              SLUICE_BIN,
              'send',
              'events',
              file,
              '--spool',
              spool,
              '--url',
              server.url,
              '--token',
              token,
              '--retries',
              '30',
              '--progress',
            ]
          : ['--import', 'tsx', LIBRARY_SENDER, server.url, token, spool, String(options.records)];
      return spawn(process.execPath, args, { cwd: REPO_ROOT, env });
    };

    for (;;) {
      const sender = startSender();
      const exited = new Promise<number | string>((resolve) =>
        sender.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
      );
      let stderr = '';
      let killing: Promise<void> = Promise.resolve();
      sender.stdout.resume();
      sender.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const progress = chunk.toString().match(/^buffered \d+$/gm)?.length ?? 0;
        for (let i = 0; i < progress; i += 1) {
          lines += 1;
          while (plan[0] && plan[0].at <= lines) {
            const next = plan.shift();
            if (next?.target === 'sender') {
              senderKills += 1;
              log(`kill -9 sender (run ${senderRuns}) after progress line ${lines}`);
              sender.kill('SIGKILL');
            } else if (next) {
              serverKills += 1;
              log(`kill -9 sluice dev after progress line ${lines}`);
              killing = killing.then(async () => {
                // Read when this kill runs: an earlier kill in the chain may have replaced the server.
                const victim = server;
                victim.child.kill('SIGKILL');
                await victim.exited;
                server = await startDevProcess(base, [
                  '--no-schedules',
                  '--s3-port',
                  '0',
                  '--flush-seconds',
                  '1',
                  '--port',
                  port,
                ]);
                // What the restart did with the keys the kill left in progress (completed or freed).
                const keys = /^Idempotency-Key: .*$/m.exec(server.output())?.[0];
                if (keys) log(keys);
              });
            }
          }
        }
      });
      const code = await exited;
      await killing;
      if (code === 0) break;
      if (code !== 'SIGKILL') log(`sender exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
      if (senderRuns > 200) throw new Error('the sender did not finish in 200 runs');
    }
    server.child.kill('SIGTERM');
    await server.exited;
    const { stdout } = await run(process.execPath, [SLUICE_BIN, 'batches', 'cat', 'events'], {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 1 << 30,
    });
    const counts = new Map<string, number>();
    let landed = 0;
    for (const line of stdout.split('\n')) {
      if (!line) continue;
      const id = (JSON.parse(line) as { id?: string }).id ?? '';
      if (!id.startsWith('k-')) continue;
      landed += 1;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    let missing = 0;
    for (let index = 0; index < options.records; index += 1) if (!counts.has(`k-${index}`)) missing += 1;
    return {
      sent: options.records,
      landed,
      distinct: counts.size,
      duplicated: [...counts.values()].filter((count) => count > 1).length,
      missing,
      senderKills,
      serverKills,
      senderRuns,
    };
  } finally {
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
