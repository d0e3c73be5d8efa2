/**
 * Benchmark 4, query: lands about a million 1 KiB orders in the embedded S3 (PutObject of
 * 5 MiB NDJSON objects in the key layout, far faster than posting them), then times a count
 * and a group-by through `sluice query` (its command, in this process: the local bucket's
 * files listed where the embedded S3 keeps them, the views, DuckDB) against DuckDB run directly
 * on the stored objects, side by side: a first call with the cache emptied (cold, target ≤ 2×)
 * and a repeated one (warm, ≤ 1.2×); and the parts of `sluice query` separately.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { localBucketFiles } from '#cli/query/local-bucket-files';
import { queryCommand } from '#cli/query/query-command';
import { openQueryEngine } from '#cli/query/query-engine';
import { createS3Client, LOCAL_BUCKET, S3RVER_FILE_SUFFIXES, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { sluiceHome } from '#local/sluice-home';
import { loadTenant } from '#shared/config/tenant-loader';
import { ENV } from '#shared/contract/environment';
import { recordsFolder } from '#shared/contract/storage-layout';
import example from '#tenants/example';
import { writeResults } from './support/results.ts';
import { round, spread } from './support/stats.ts';

const COMMAND = 'npm run bench -- query';
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const RECORDS = Number(process.env.SLUICE_BENCH_QUERY_RECORDS ?? (QUICK ? 50_000 : 1_000_000));
const RECORDS_PER_OBJECT = 5_000;
const RUNS = QUICK ? 1 : 3;
const TARGET_RATIO = 1.2;
const TARGET_COLD_RATIO = 2;
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY'];

/** The two queries, as an analyst types them against the `orders` view and against the files. */
const QUERIES = {
  count: { view: 'SELECT count(*) AS n FROM orders', direct: (from: string) => `SELECT count(*) AS n FROM ${from}` },
  'group-by': {
    view: 'SELECT currency, count(*) AS n, sum(amount) AS total FROM orders GROUP BY currency ORDER BY currency',
    direct: (from: string) =>
      `SELECT currency, count(*) AS n, sum(amount) AS total FROM ${from} GROUP BY currency ORDER BY currency`,
  },
} as const;
type QueryName = keyof typeof QUERIES;

const log = (message: string) => process.stderr.write(`${message}\n`);

// A valid order of the example's schema, padded with items to 1 KiB of JSON.
function order(index: number): string {
  const items = Array.from({ length: 21 }, (_, item) => ({
    sku: `SKU-${(index + item) % 100_000}`,
    qty: 1 + (item % 5),
  }));
  const record = {
    order_id: `order-${index}`,
    customer_id: `customer-${index % 10_000}`,
    amount: ((index % 10_000) + 1) / 100,
    currency: CURRENCIES[index % CURRENCIES.length],
    placed_at: new Date(Date.UTC(2026, 10, 28, index % 24, index % 60)).toISOString(),
    items,
  };
  const text = JSON.stringify(record);
  return `${text.slice(0, -1)},"note":"${'x'.repeat(Math.max(0, 1023 - text.length - 10))}"}`;
}

async function land(directory: string): Promise<{ objects: number; bytes: number }> {
  const s3 = await startEmbeddedS3(directory, 0);
  const client = createS3Client(s3.endpoint);
  let bytes = 0;
  const objects = Math.ceil(RECORDS / RECORDS_PER_OBJECT);
  try {
    for (let object = 0; object < objects; object += 1) {
      const first = object * RECORDS_PER_OBJECT;
      const count = Math.min(RECORDS_PER_OBJECT, RECORDS - first);
      const body = Array.from({ length: count }, (_, offset) => `${order(first + offset)}\n`).join('');
      bytes += Buffer.byteLength(body);
      const hour = String(object % 24).padStart(2, '0');
      const key = `streams/orders/year=2026/month=11/day=28/hour=${hour}/sluice-orders-bench-${String(object).padStart(5, '0')}.ndjson`;
      await client.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: key, Body: body }));
    }
  } finally {
    client.destroy();
    await s3.close();
  }
  return { objects, bytes };
}

// DuckDB over the stored objects themselves (s3rver keeps each body as `<key>._S3rver_object`).
async function directRunner(bucketFolder: string) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const glob = join(bucketFolder, `${recordsFolder('orders')}*/*/*/*/*.ndjson${S3RVER_FILE_SUFFIXES.object}`);
  // The baseline declares the columns it reads, as the views do; the second form lets DuckDB
  // detect them from a sample, as an analyst typing it by hand would.
  const declared = `read_ndjson('${glob}', columns = {currency: 'VARCHAR', amount: 'DOUBLE'})`;
  const detected = `read_ndjson('${glob}')`;
  return {
    async run(name: QueryName, detect = false): Promise<unknown> {
      const sql = QUERIES[name].direct(detect ? detected : declared);
      return (await connection.runAndReadAll(sql)).getRowsJson();
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Milliseconds of each step `sluice query` takes, timed one by one. */
interface Parts {
  readonly loadTenant: number;
  readonly listLocalBucket: number;
  readonly createViews: number;
  readonly views: Record<QueryName, number>;
}

async function partsOfSluiceQuery(s3Folder: string): Promise<Parts> {
  const folder = await mkdtemp(join(tmpdir(), 'sluice-bench-query-copy-'));
  try {
    const tenant = await timed(() => loadTenant(undefined, { cwd: process.cwd() }));
    const list = await timed(() =>
      localBucketFiles({
        s3Directory: s3Folder,
        bucket: LOCAL_BUCKET,
        streams: Object.keys(example.streams),
        cacheFolder: folder,
      }),
    );
    const engine = await timed(() => openQueryEngine(example, list.value));
    const views = { count: 0, 'group-by': 0 };
    try {
      for (const name of Object.keys(QUERIES) as QueryName[]) {
        views[name] = round((await timed(() => engine.value.query(QUERIES[name].view))).ms);
      }
    } finally {
      engine.value.close();
    }
    return {
      loadTenant: round(tenant.ms),
      listLocalBucket: round(list.ms),
      createViews: round(engine.ms),
      views,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Runs the benchmark; resolves with the exit code. */
export async function runQuery(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-bench-query-'));
  const env = { ...process.env, [ENV.home]: root };
  const home = sluiceHome(example.tenant, env, process.cwd());
  try {
    log(`landing ${RECORDS.toLocaleString('en')} records in ${home.s3}`);
    const landing = await timed(() => land(home.s3));
    log(
      `landed ${landing.value.objects} objects, ${landing.value.bytes.toLocaleString('en')} bytes, in ${round(landing.ms / 1000, 1)} s`,
    );
    const bucketFolder = join(home.s3, LOCAL_BUCKET);
    const direct = await directRunner(bucketFolder);
    const cache = join(home.root, 'query-cache');
    const cold: Record<QueryName, number[]> = { count: [], 'group-by': [] };
    const warm: Record<QueryName, number[]> = { count: [], 'group-by': [] };
    const duck: Record<QueryName, number[]> = { count: [], 'group-by': [] };
    const detected: Record<QueryName, number[]> = { count: [], 'group-by': [] };
    let parts: Parts | undefined;
    const answers: Record<string, string> = {};
    try {
      for (let run = 0; run < RUNS; run += 1) {
        for (const name of Object.keys(QUERIES) as QueryName[]) {
          let out = '';
          const io = {
            stdout: (text: string) => {
              out += text;
            },
            stderr: () => undefined,
            env,
            cwd: process.cwd(),
            stdin: process.stdin,
          };
          const sluiceQuery = async () => {
            out = '';
            const call = await timed(() => queryCommand([QUERIES[name].view, '--format', 'json'], io));
            if (call.value !== 0) throw new Error(`sluice query exited ${call.value}`);
            return call.ms;
          };
          await rm(cache, { recursive: true, force: true });
          const coldMs = await sluiceQuery();
          const warmMs = await sluiceQuery();
          const viaDuck = await timed(() => direct.run(name));
          detected[name].push((await timed(() => direct.run(name, true))).ms);
          cold[name].push(coldMs);
          warm[name].push(warmMs);
          duck[name].push(viaDuck.ms);
          answers[`${name} sluice`] = out.trim();
          answers[`${name} direct`] = JSON.stringify(viaDuck.value);
          log(
            `run ${run + 1}/${RUNS} ${name}: sluice query cold ${round(coldMs)} ms, warm ${round(warmMs)} ms, DuckDB ${round(viaDuck.ms)} ms`,
          );
        }
        // The parts of `sluice query`, once: where its time goes.
        if (run === 0) {
          parts = await partsOfSluiceQuery(home.s3);
          log(`parts: ${JSON.stringify(parts)}`);
        }
      }
    } finally {
      direct.close();
    }
    const cases = Object.fromEntries(
      (Object.keys(QUERIES) as QueryName[]).map((name) => {
        const viaCold = spread(cold[name]);
        const viaWarm = spread(warm[name]);
        const viaDuck = spread(duck[name]);
        return [
          name,
          {
            sql: QUERIES[name].view,
            sluiceQueryColdMs: viaCold,
            sluiceQueryWarmMs: viaWarm,
            duckdbDirectMs: viaDuck,
            duckdbDetectedColumnsMs: spread(detected[name]),
            ratioCold: round(viaCold.median / viaDuck.median),
            ratioWarm: round(viaWarm.median / viaDuck.median),
            met:
              viaWarm.median / viaDuck.median <= TARGET_RATIO && viaCold.median / viaDuck.median <= TARGET_COLD_RATIO,
            viewsOnlyMs: parts?.views[name],
            answerSluice: answers[`${name} sluice`],
            answerDirect: answers[`${name} direct`],
          },
        ];
      }),
    );
    const file = writeResults('query', COMMAND, {
      records: RECORDS,
      objects: landing.value.objects,
      bytes: landing.value.bytes,
      landing: 'PutObject into the embedded S3 (s3rver), 5,000 records (about 5 MiB) per object',
      landingSeconds: round(landing.ms / 1000, 1),
      runs: RUNS,
      targetRatio: TARGET_RATIO,
      targetColdRatio: TARGET_COLD_RATIO,
      partsOfOneSluiceQueryMs: parts,
      cases,
    });
    log(JSON.stringify(cases, null, 2));
    log(`wrote ${file}`);
    return 0;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
