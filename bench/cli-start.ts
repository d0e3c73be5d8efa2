/**
 * How fast the `sluice` command answers (issue 25 §2): the median wall time of five runs each
 * of `sluice --help`, `sluice token create`, `sluice batches cat` of a small stream (no dev
 * server running) and `npm start` until its banner is printed. Run it in the checkout to
 * measure, after `npm install` (which compiles the command): `node --import tsx bench/cli-start.ts`.
 * Every run gets a data home of its own in a temporary folder and a free port.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, LOCAL_BUCKET, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { sluiceHome } from '#local/sluice-home';
import { recordsPrefix, renderPrefix } from '#shared/contract/storage-layout';

const RUNS = 5;
const BIN = 'cli/sluice.mjs';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`sluice ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

// Until the banner's curl line, the last thing `sluice dev` prints; then Ctrl-C, and wait for the exit.
function startToBanner(env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn('npm', ['start', '--', '--port', '0', '--no-schedules'], { env, detached: true });
  return new Promise((resolve, reject) => {
    let output = '';
    let elapsed: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (elapsed === undefined && output.includes('curl -i')) {
        elapsed = performance.now() - start;
        process.kill(-(child.pid ?? 0), 'SIGINT');
      }
    });
    child.stderr.resume();
    child.on('exit', () => (elapsed === undefined ? reject(new Error(`no banner:\n${output}`)) : resolve(elapsed)));
  });
}

async function seedOrders(base: string): Promise<void> {
  const s3 = await startEmbeddedS3(sluiceHome('example', { SLUICE_HOME: base }).s3, 0);
  const client = createS3Client(s3.endpoint);
  const prefix = renderPrefix(recordsPrefix('orders'), new Date());
  for (let batch = 0; batch < 3; batch++) {
    const body = Array.from({ length: 10 }, (_, index) => `{"order_id":"o-${batch}-${index}","amount":1}\n`).join('');
    await client.send(
      new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: `${prefix}orders-${batch}.ndjson`, Body: body }),
    );
  }
  client.destroy();
  await s3.close();
}

const root = await mkdtemp(join(tmpdir(), 'sluice-cli-start-'));
const env = { ...process.env, SLUICE_HOME: join(root, '.sluice') };
try {
  await seedOrders(env.SLUICE_HOME);
  const figures: Record<string, number[]> = {
    '--help': [],
    'token create': [],
    'batches cat orders': [],
    'npm start': [],
  };
  for (let run = 0; run < RUNS; run++) {
    figures['--help']?.push(timed(['--help'], env));
    figures['token create']?.push(timed(['token', 'create'], env));
    figures['batches cat orders']?.push(timed(['batches', 'cat', 'orders'], env));
    figures['npm start']?.push(await startToBanner(env));
  }
  for (const [command, values] of Object.entries(figures)) {
    const all = values.map((value) => (value / 1000).toFixed(2)).join(', ');
    process.stdout.write(`${command.padEnd(20)} median ${(median(values) / 1000).toFixed(2)} s  (${all})\n`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
