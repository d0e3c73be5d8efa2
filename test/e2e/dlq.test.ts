import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBatches } from '#cli/batches/batch-reader';
import { readDeadLetters } from '#cli/dlq/dead-letter-reader';
import { replayDeadLetters } from '#cli/dlq/dead-letter-replay';
import { ReplayLedger } from '#cli/dlq/replay-ledger';
import { REPLAY_LOCK_STALE_MS } from '#cli/dlq/replay-lock';
import { runCli } from '#cli/main';
import { startDevServer } from '#local/dev-server';
import { createS3Client, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { FirehoseEmulation } from '#local/firehose/firehose-emulation';
import { replayLedgerFolder, replayLockKey } from '#shared/contract/storage-layout';
import type { DeliveryBatch } from '#shared/ports/delivery-port';
import { captureIo } from '../unit/cli/io-capture.ts';
import fixed from './fixtures/dlq-fixed-tenant.ts';
import strict from './fixtures/dlq-strict-tenant.ts';
import { REPO_ROOT, SLUICE_BIN } from './support/dev-process.ts';
import { landedRecords, landedRecordsIn } from './support/landed-records.ts';
import { post } from './support/local-server.ts';
import { tempHome } from './support/temp-home.ts';

const STRICT_FILE = fileURLToPath(new URL('./fixtures/dlq-strict-tenant.ts', import.meta.url));
const FIXED_FILE = fileURLToPath(new URL('./fixtures/dlq-fixed-tenant.ts', import.meta.url));

const valid = (id: string) => `{"order_id":"${id}","amount":1.5}`;
// Rejected by the strict schema, accepted by the fixed one: the amount is a string.
const fixable = (id: string) => `{"order_id":"${id}","amount":"12.50"}`;
// Rejected by both: no order id.
const hopeless = (id: string) => `{"note":"${id}","amount":1}`;

const FIXABLE = Array.from({ length: 9 }, (_, index) => fixable(`f${index}`));
const HOPELESS = [hopeless('h0'), hopeless('h1')];

let home: Awaited<ReturnType<typeof tempHome>>;

/** Posts, through a dev server with the strict config, 2 valid orders, 9 fixable and 2 hopeless ones and one bad JSON line. */
async function postWithStrictSchema(): Promise<void> {
  const server = await startDevServer({ tenant: strict, home, port: 0, schedules: false, openPull: false });
  try {
    const token = await server.createToken();
    const batch = [valid('v0'), ...FIXABLE.slice(0, 5), HOPELESS[0], '{"order_id":', valid('v1')].join('\n');
    const first = await post(server, 'orders', batch, { token, contentType: 'application/x-ndjson' });
    expect(first.status).toBe(202);
    const second = await post(server, 'orders', `[${[...FIXABLE.slice(5), HOPELESS[1]].join(',')}]`, { token });
    expect(second.status).toBe(400);
  } finally {
    await server.close();
  }
}

async function dlq(...args: string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: home.base } });
  const code = await runCli(['dlq', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const orders = () => landedRecordsIn(home.s3, 'orders');
const deadLetters = () => landedRecordsIn(home.s3, 'orders', true);

/** Writes the stream's replay lock as a replay elsewhere would hold it. */
async function putReplayLock(body: Record<string, string | number>): Promise<void> {
  const embedded = await startEmbeddedS3(home.s3, 0);
  const s3 = createS3Client(embedded.endpoint);
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: embedded.bucket, Key: replayLockKey('orders'), Body: JSON.stringify(body) }),
    );
  } finally {
    s3.destroy();
    await embedded.close();
  }
}

async function replayLockExists(): Promise<boolean> {
  const embedded = await startEmbeddedS3(home.s3, 0);
  const s3 = createS3Client(embedded.endpoint);
  try {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: embedded.bucket, Prefix: replayLockKey('orders') }),
    );
    return (listed.KeyCount ?? 0) > 0;
  } finally {
    s3.destroy();
    await embedded.close();
  }
}

/** How often each landed record text occurs. */
function counts(records: readonly string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const record of records) seen.set(record, (seen.get(record) ?? 0) + 1);
  return seen;
}

describe('with dead letters posted under a strict schema', () => {
  beforeEach(async () => {
    home = await tempHome('dlq');
    await postWithStrictSchema();
  }, 60_000);

  afterEach(() => home.remove());

  describe('sluice dlq ls', () => {
    it('counts dead letters by problem and reason and shows the newest, shortened', async () => {
      const listed = await dlq('ls', 'orders', '--tenant', STRICT_FILE);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('12 dead letter(s) of orders');
      expect(listed.stdout).toMatch(/^\s+9 {2}schema-violation \/amount: Invalid type: Expected number$/m);
      expect(listed.stdout).toMatch(/^\s+2 {2}schema-violation \/order_id: Invalid key: Expected "order_id"/m);
      expect(listed.stdout).toMatch(/^\s+1 {2}malformed-body The record is not valid JSON/m);
      expect(listed.stdout).toContain('newest:');
    });

    it('selects one problem type with --problem', async () => {
      const listed = await dlq('ls', 'orders', '--tenant', STRICT_FILE, '--problem', 'malformed-body');
      expect(listed.stdout).toContain('1 dead letter(s) of orders');
      expect(listed.stdout).not.toContain('schema-violation');
    });
  });

  describe('sluice dlq replay', () => {
    it('delivers nothing on a dry run, and says what would be replayed', async () => {
      const run = await dlq('replay', 'orders', '--tenant', FIXED_FILE, '--dry-run');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('9 would be replayed, 3 still rejected, 0 skipped');
      expect(await orders()).toEqual([valid('v0'), valid('v1')]);
    });

    it('lands each fixed record exactly once, leaves the others dead-lettered, and a second run delivers nothing', async () => {
      const first = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
      expect(first.stderr).toContain('9/9 replayed');
      expect(first.stdout).toMatch(/^run \d{8}T\d{6}Z-[0-9a-f]{8}$/m);
      expect(first.stdout).toContain('9 replayed, 3 still rejected, 0 skipped');
      expect(first.stdout).toContain('schema-violation /order_id');
      const landed = await orders();
      expect(landed.sort()).toEqual([valid('v0'), valid('v1'), ...FIXABLE].sort());

      const second = await dlq('replay', 'orders', '--tenant', FIXED_FILE, '--since', '1h');
      expect(second.stdout).toContain('0 replayed, 3 still rejected, 9 skipped');
      expect(second.stdout).toContain('9 already replayed');
      expect((await orders()).length).toBe(11);
      // Still-failing records stay; replayed ones stay too, marked in the ledger.
      expect((await deadLetters()).length).toBe(12);
      const listed = await dlq('ls', 'orders', '--tenant', FIXED_FILE);
      expect(listed.stdout).toMatch(/^12 dead letter\(s\) of orders in \d+ object\(s\), 9 already replayed$/m);
    });

    it('refuses a replay while another holds the stream, naming its run id and start time', async () => {
      const holder = { run: '20260102T030405Z-0badc0de', started_at: '2026-01-02T03:04:05.000Z' };
      await putReplayLock({ ...holder, heartbeat_at: new Date().toISOString(), host: hostname(), pid: process.pid });
      const refused = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`run ${holder.run}, started ${holder.started_at}`);
      expect(await orders()).toEqual([valid('v0'), valid('v1')]);
    });

    it(`takes over a lock last seen more than ${REPLAY_LOCK_STALE_MS / 60_000} minutes ago, and removes it when done`, async () => {
      const seen = new Date(Date.now() - REPLAY_LOCK_STALE_MS - 60_000).toISOString();
      await putReplayLock({ run: 'crashed', started_at: seen, heartbeat_at: seen, host: 'elsewhere', pid: 1 });
      const run = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('took over the lock of run crashed');
      expect(run.stdout).toContain('9 replayed');
      expect(await replayLockExists()).toBe(false);
    });

    it('ends with every record once when a run that failed halfway is run again', async () => {
      // A run that stops at its third chunk of three records: two chunks were acknowledged and recorded.
      const s3 = await startEmbeddedS3(home.s3, 0);
      try {
        const client = createS3Client(s3.endpoint);
        const emulation = new FirehoseEmulation({
          tenant: fixed,
          s3: client,
          bucket: s3.bucket,
          journalDirectory: home.buffers,
        });
        let chunks = 0;
        const failing = {
          deliver: async (batch: DeliveryBatch) => {
            chunks += 1;
            if (chunks === 3) throw new Error('injected failure');
            await emulation.deliver(batch);
          },
        };
        const ledger = new ReplayLedger(client, s3.bucket, 'orders');
        const stream = fixed.streams.orders;
        if (!stream) throw new Error('the fixture has orders');
        await expect(
          replayDeadLetters({
            stream,
            entries: await readDeadLetters(client, s3.bucket, 'orders', {}),
            replayed: await ledger.replayed(),
            run: 'interrupted',
            delivery: failing,
            ledger,
            progress: () => undefined,
            chunkLimits: { records: 3, bytes: 1_000_000 },
          }),
        ).rejects.toThrow('injected failure');
        await emulation.flushAll();
        expect((await landedRecords(s3, 'orders')).length).toBe(2 + 6);
        expect((await listBatches(client, s3.bucket, replayLedgerFolder('orders'))).length).toBe(2);
      } finally {
        await s3.close();
      }

      const again = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
      expect(again.stdout).toContain('3 replayed, 3 still rejected, 6 skipped');
      const landed = counts(await orders());
      expect([...landed.values()].every((count) => count === 1)).toBe(true);
      expect([...landed.keys()].sort()).toEqual([valid('v0'), valid('v1'), ...FIXABLE].sort());
    });

    it('delivers through a running dev server, whose journal it leaves to the server', async () => {
      const server = await startDevServer({ tenant: fixed, home, port: 0, schedules: false, openPull: false });
      try {
        const run = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
        expect(run.stderr).toContain(`delivering through the dev server at ${server.url}`);
        expect(run.stdout).toContain('9 replayed');
      } finally {
        await server.close();
      }
      expect(counts(await orders()).size).toBe(11);
      expect((await orders()).length).toBe(11);
    });
  });
});

describe('sluice dlq replay of about 3,000 records, in processes of its own', () => {
  // Batch posts take at most 500 records: 499 fixable ones and a valid one each.
  const PER_POST = 499;
  const POSTS = 6;
  const RECORDS = PER_POST * POSTS;
  const CHUNK = 500;

  beforeEach(async () => {
    home = await tempHome('dlq');
    const server = await startDevServer({ tenant: strict, home, port: 0, schedules: false, openPull: false });
    try {
      const token = await server.createToken();
      for (let start = 0; start < RECORDS; start += PER_POST) {
        const lines = Array.from({ length: PER_POST }, (_, index) => fixable(`k${start + index}`));
        const response = await post(server, 'orders', `${valid(`v${start}`)}\n${lines.join('\n')}`, {
          token,
          contentType: 'application/x-ndjson',
        });
        expect(response.status).toBe(202);
      }
    } finally {
      await server.close();
    }
  }, 120_000);

  afterEach(() => home.remove());

  it('lands each record once when two replays run at the same time: the second is refused', async () => {
    const replay = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [SLUICE_BIN, 'dlq', 'replay', 'orders', '--tenant', FIXED_FILE], {
          cwd: REPO_ROOT,
          env: { ...process.env, SLUICE_HOME: home.base },
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const runs = await Promise.all([replay(), replay()]);
    const landed = counts(await orders());
    expect([...landed.values()].filter((count) => count > 1)).toEqual([]);
    expect(Array.from({ length: RECORDS }, (_, index) => landed.has(fixable(`k${index}`))).every(Boolean)).toBe(true);
    const refused = runs.filter((run) => run.code === 1);
    // Both start within a second, far inside the time one run takes to read and deliver ~3,000 records.
    expect(refused).toHaveLength(1);
    expect(refused[0]?.stderr).toMatch(/another replay of orders is running: run \d{8}T\d{6}Z-[0-9a-f]{8}, started /);
  }, 120_000);

  it('ends, run again, with every record landed and duplicates only from the one chunk in flight', async () => {
    const child = spawn(process.execPath, [SLUICE_BIN, 'dlq', 'replay', 'orders', '--tenant', FIXED_FILE], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_HOME: home.base },
    });
    let stderr = '';
    const exited = new Promise<unknown>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Killed as soon as its first chunk is recorded: wherever the kill lands after that, the run is cut.
      if (stderr.includes('(chunk 1/')) child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');

    const again = await dlq('replay', 'orders', '--tenant', FIXED_FILE);
    expect(again.code).toBe(0);
    const landed = counts(await orders());
    const fixedRecords = Array.from({ length: RECORDS }, (_, index) => fixable(`k${index}`));
    expect(fixedRecords.every((record) => (landed.get(record) ?? 0) >= 1)).toBe(true);
    const duplicated = [...landed.entries()].filter(([, count]) => count > 1);
    expect(duplicated.every(([, count]) => count === 2)).toBe(true);
    expect(duplicated.length).toBeLessThanOrEqual(CHUNK);
    // The first run recorded at least its first chunk; the second replayed exactly the rest.
    const replayedAgain = Number(/^(\d+) replayed/m.exec(again.stdout)?.[1]);
    const recordedFirst = Number(/(\d+) already replayed/.exec(again.stdout)?.[1]);
    expect(recordedFirst).toBeGreaterThanOrEqual(CHUNK);
    expect(recordedFirst + replayedAgain).toBe(RECORDS);
    // Whatever ran twice was one chunk: consecutive records of one post.
    const indexes = duplicated.map(([record]) => Number(/"k(\d+)"/.exec(record)?.[1])).sort((a, b) => a - b);
    if (indexes.length > 0) expect((indexes.at(-1) ?? 0) - (indexes[0] ?? 0)).toBe(indexes.length - 1);
  }, 120_000);
});

describe('sluice dlq usage', () => {
  beforeEach(async () => {
    home = await tempHome('dlq');
  });

  afterEach(() => home.remove());

  it.each([
    [[]],
    [['ls']],
    [['purge', 'orders']],
    [['ls', 'orders', '--dry-run']],
    [['ls', 'nope', '--tenant', STRICT_FILE]],
    [['ls', 'orders', '--problem', 'nope', '--tenant', STRICT_FILE]],
    [['ls', 'orders', '--since', 'yesterday', '--tenant', STRICT_FILE]],
    [['replay', 'orders', '--stack', '1bad', '--tenant', STRICT_FILE]],
    [['replay', 'orders', '--bogus']],
  ])('exits 2 for %j', async (args) => {
    const run = await dlq(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: sluice dlq');
  });
});
