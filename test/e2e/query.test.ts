import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBatches, readBatchRecords } from '#cli/batches/batch-reader';
import { runCli } from '#cli/main';
import { createS3Client, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { EXAMPLE_QUERIES, exampleQuery } from '#shared/analytics/analyst-tables';
import { jsonProjectionFolder } from '#shared/contract/storage-layout';
import { captureIo } from '../unit/cli/io-capture.ts';
import tenant from './fixtures/query-tenant.ts';
import { landedRecords } from './support/landed-records.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

const TENANT_FILE = fileURLToPath(new URL('./fixtures/query-tenant.ts', import.meta.url));

const LANDED_HOUR = /^year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}$/;
const BIG_ID = '9007199254740993'; // 2^53 + 1: a double reads it as ...992
const PROTO_EVENT = `{"type":"special","__proto__":{"x":1},"id":${BIG_ID}}`;
const PROFILE = '<profile id="7"><name>Ada &amp; "Co"</name><tag>a</tag><tag>b</tag></profile>';

function order(id: string, currency: string, amount: number): string {
  return JSON.stringify({
    order_id: id,
    customer_id: 'c1',
    amount,
    currency,
    placed_at: '2024-05-01T10:00:00Z',
  });
}

let local: TestServer;

beforeAll(async () => {
  local = await startTestServer({ tenant });
  const posts: [string, string, string?][] = [
    ['orders', order('o1', 'EUR', 10.25)],
    ['orders', order('o2', 'EUR', 20.25)],
    ['orders', order('o3', 'USD', 5)],
    ['orders', '{"order_id":""}'],
    ['events', '[{"type":"click"},{"type":"click"},{"type":"view"}]'],
    ['events', PROTO_EVENT],
    ['ledger', `{"id":${BIG_ID},"note":"first"}`],
    ['ledger', '{"id":123456789012345678901234567890,"note":"huge"}'],
    ['profiles', PROFILE, 'application/xml'],
    ['visits', '{"visitId":"v1","Tags":{"beta":true}}'],
  ];
  for (const [stream, body, contentType] of posts) {
    await post(local.server, stream, body, { token: local.token, ...(contentType ? { contentType } : {}) });
  }
  // Stopping flushes every buffer: what was accepted is in the bucket.
  await local.stop();
}, 60_000);

afterAll(() => local?.remove());

async function query(sql: string, ...options: string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
  const code = await runCli(['query', sql, '--tenant', TENANT_FILE, ...options], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function rows(sql: string): Promise<unknown[]> {
  const answer = await query(sql, '--format', 'json');
  expect(answer.stderr).toBe('');
  expect(answer.code).toBe(0);
  return JSON.parse(answer.stdout) as unknown[];
}

/** What each example query of shared/analytics/analyst-tables.ts answers over the posts above. */
const EXPECTED: Record<string, unknown[]> = {
  orders: [
    { currency: 'EUR', orders: 2, total: 30.5 },
    { currency: 'USD', orders: 1, total: 5 },
  ],
  events: [
    { type: 'click', events: 2 },
    { type: 'special', events: 1 },
    { type: 'view', events: 1 },
  ],
  dead_letters: [{ stream: 'orders', problem: 'urn:sluice:problem:schema-violation', records: 1 }],
};

describe('sluice query over batches landed by real posts', () => {
  it('runs every example query of docs/analysts.md, as the Athena named queries hold it, with the expected rows', async () => {
    expect(Object.keys(EXAMPLE_QUERIES).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [table, sql] of Object.entries(EXAMPLE_QUERIES)) {
      expect(await rows(sql), table).toEqual(EXPECTED[table]);
    }
  });

  it('runs the records-per-hour query a table without its own example gets', async () => {
    const perHour = (await rows(exampleQuery('ledger'))) as { landed_hour: string; records: number }[];
    expect(perHour.reduce((sum, row) => sum + row.records, 0)).toBe(2);
    expect(perHour[0]).toMatchObject({ landed_hour: expect.stringMatching(LANDED_HOUR) });
  });

  it('names the stream folder of each dead letter in dlq_stream, as the Athena table does', async () => {
    expect(await rows('SELECT dlq_stream, stream, landed_hour FROM dead_letters')).toEqual([
      { dlq_stream: 'orders', stream: 'orders', landed_hour: expect.stringMatching(LANDED_HOUR) },
    ]);
  });

  it('reads a schema property with capitals into its lower-case column, and a record into a map', async () => {
    expect(await rows('SELECT visitid, tags FROM visits')).toEqual([
      { visitid: 'v1', tags: [{ key: 'beta', value: true }] },
    ]);
  });

  it('keeps a 64-bit id exact, in a typed column and in the raw line', async () => {
    const answer = await query('SELECT id, note FROM ledger ORDER BY note', '--format', 'ndjson');
    expect(answer.stdout).toBe(
      `{"id":${BIG_ID},"note":"first"}\n{"id":123456789012345678901234567890,"note":"huge"}\n`,
    );
    expect(
      await rows("SELECT json_extract_scalar(record, '$.id') AS id FROM events WHERE record LIKE '%special%'"),
    ).toEqual([{ id: BIG_ID }]);
  });

  it('gives a record with a __proto__ key back as it was posted', async () => {
    expect(
      await rows(
        "SELECT record, json_extract_scalar(record, '$.__proto__.x') AS x FROM events WHERE json_extract_scalar(record, '$.type') = 'special'",
      ),
    ).toEqual([{ record: PROTO_EVENT, x: '1' }]);
  });

  it('reads a CBOR document as its JSON form, the same as batches cat prints', async () => {
    const cat = captureIo({ env: { SLUICE_HOME: local.home.base } });
    expect(await runCli(['batches', 'cat', 'profiles', '--tenant', TENANT_FILE], cat.io)).toBe(0);
    const [record] = (await rows('SELECT record FROM profiles')) as { record: string }[];
    expect(`${record?.record}\n`).toBe(cat.stdout());
    expect(JSON.parse(record?.record ?? '')).toEqual({
      profile: { '@id': '7', name: 'Ada & "Co"', tag: ['a', 'b'] },
    });
    expect(await rows("SELECT json_extract_scalar(record, '$.profile.name') AS name FROM profiles")).toEqual([
      { name: 'Ada & "Co"' },
    ]);
  });

  it("lands an XML stream's JSON projection as NDJSON under streams/<stream>/json/, once, beside its CBOR", async () => {
    const embedded = await startEmbeddedS3(local.home.s3);
    try {
      const s3 = createS3Client(embedded.endpoint);
      const copies = await listBatches(s3, embedded.bucket, jsonProjectionFolder('profiles'));
      expect(copies.map((object) => object.key)).toEqual([
        expect.stringMatching(
          /^streams\/profiles\/json\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/sluice\.example\.profiles\.json-1-.+\.ndjson$/,
        ),
      ]);
      const lines = await readBatchRecords(s3, embedded.bucket, copies[0]?.key ?? '');
      expect(lines).toEqual(await landedRecords(embedded, 'profiles'));
      expect(lines).toEqual(['{"profile":{"name":"Ada & \\"Co\\"","tag":["a","b"],"@id":"7"}}']);
    } finally {
      await embedded.close();
    }
  });

  it('answers an empty result for streams with no batches, with their columns', async () => {
    const answer = await query('SELECT * FROM idle', '--format', 'csv');
    expect(answer).toEqual({ code: 0, stdout: 'n,landed_hour\r\n', stderr: '' });
    expect(await rows('SELECT record, landed_hour FROM quiet')).toEqual([]);
    expect(await rows('SELECT count(*) AS n FROM quiet')).toEqual([{ n: 0 }]);
  });

  it('exits 2 with one line naming the problem for a statement DuckDB refuses', async () => {
    for (const sql of ['SELEC 1', 'SELECT * FROM nope', 'SELECT nope FROM orders']) {
      const answer = await query(sql);
      expect(answer.code).toBe(2);
      expect(answer.stdout).toBe('');
      expect(answer.stderr).toMatch(/^sluice query: .*Error.*\n$/);
    }
  });

  it('prints a table, CSV with quoting, and NDJSON', async () => {
    const sql = 'SELECT currency, count(*) AS orders, \'a,"b"\' AS odd FROM orders GROUP BY currency ORDER BY currency';
    expect((await query(sql)).stdout).toBe(
      [
        'currency | orders | odd',
        '---------+--------+------',
        'EUR      |      2 | a,"b"',
        'USD      |      1 | a,"b"',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    expect((await query(sql, '--format', 'csv')).stdout).toBe(
      'currency,orders,odd\r\nEUR,2,"a,""b"""\r\nUSD,1,"a,""b"""\r\n',
    );
    expect((await query(sql, '--format', 'ndjson')).stdout).toBe(
      '{"currency":"EUR","orders":2,"odd":"a,\\"b\\""}\n{"currency":"USD","orders":1,"odd":"a,\\"b\\""}\n',
    );
    const wrong = await query(sql, '--format', 'xml');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--format must be one of table, json, ndjson, csv');
  });
});

describe('sluice batches export', () => {
  async function exportTo(stream: string, format: string, ...options: string[]) {
    const out = join(local.home.root, `${stream}.${format}`);
    const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
    const code = await runCli(
      ['batches', 'export', stream, '--format', format, '--out', out, '--tenant', TENANT_FILE, ...options],
      captured.io,
    );
    return { code, out, stderr: captured.stderr() };
  }

  it('writes the records as landed to one NDJSON file, 64-bit ids and CBOR documents included', async () => {
    const ledger = await exportTo('ledger', 'ndjson');
    expect(ledger.code).toBe(0);
    expect(ledger.stderr).toMatch(/^2 records \(from 1 batch\) of ledger written to .*ledger\.ndjson \(ndjson\)\n$/);
    expect(await readFile(ledger.out, 'utf8')).toBe(
      `{"id":${BIG_ID},"note":"first"}\n{"id":123456789012345678901234567890,"note":"huge"}\n`,
    );
    const profiles = await exportTo('profiles', 'ndjson');
    expect(JSON.parse(await readFile(profiles.out, 'utf8'))).toEqual({
      profile: { '@id': '7', name: 'Ada & "Co"', tag: ['a', 'b'] },
    });
  });

  it('writes the typed table to one Parquet file that DuckDB reads back exactly', async () => {
    const ledger = await exportTo('ledger', 'parquet');
    expect(ledger.code).toBe(0);
    expect(ledger.stderr).toMatch(/^2 records \(from 1 batch\) of ledger written to .*ledger\.parquet \(parquet\)\n$/);
    const back = await query(
      `SELECT id, note, landed_hour FROM read_parquet('${ledger.out.replaceAll("'", "''")}') ORDER BY note`,
      '--format',
      'ndjson',
    );
    expect(back.stdout).toMatch(
      new RegExp(
        `^\\{"id":${BIG_ID},"note":"first","landed_hour":"year=\\d{4}\\/month=\\d{2}\\/day=\\d{2}\\/hour=\\d{2}"\\}\\n\\{"id":123456789012345678901234567890,"note":"huge",`,
      ),
    );
  });

  it('leaves out the hours before --since, and refuses a missing --format or a bad --since with exit 2', async () => {
    const future = await exportTo('ledger', 'ndjson', '--since', '2999-01-01');
    expect(future.code).toBe(0);
    expect(await readFile(future.out, 'utf8')).toBe('');
    expect((await exportTo('ledger', 'csv')).code).toBe(2);
    const badSince = await exportTo('ledger', 'ndjson', '--since', 'yesterday');
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since must be a duration');
  });
});

describe('sluice query keeps the landed batches in a cache for the next call', () => {
  const cache = () => join(local.home.root, 'query-cache', '_local');

  async function modified(): Promise<Record<string, number>> {
    const names = (await readdir(cache(), { recursive: true })).filter((name) => name.endsWith('.ndjson'));
    const times = await Promise.all(names.map(async (name) => [name, (await stat(join(cache(), name))).mtimeMs]));
    return Object.fromEntries(times);
  }

  /** Runs a change against the stopped server's bucket, as a later delivery or a lifecycle rule would. */
  async function inBucket(change: (s3: ReturnType<typeof createS3Client>, bucket: string) => Promise<unknown>) {
    const embedded = await startEmbeddedS3(local.home.s3, 0);
    const client = createS3Client(embedded.endpoint);
    try {
      await change(client, embedded.bucket);
    } finally {
      client.destroy();
      await embedded.close();
    }
  }

  it('fetches nothing again on a second call: every cached copy keeps its modification time', async () => {
    await rows('SELECT count(*) AS n FROM orders');
    const before = await modified();
    expect(Object.keys(before).length).toBeGreaterThan(0);
    await rows('SELECT count(*) AS n FROM events');
    expect(await modified()).toEqual(before);
  });

  it('shows a batch landed after the last call, and forgets it once it is removed from the bucket', async () => {
    const key = 'streams/orders/year=2024/month=05/day=01/hour=10/sluice-example-orders-1-late.ndjson';
    await inBucket((s3, bucket) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${order('late', 'GBP', 1)}\n` })),
    );
    expect(await rows("SELECT order_id FROM orders WHERE currency = 'GBP'")).toEqual([{ order_id: 'late' }]);
    // The example query reads the last days only: the 2024 hour is outside its window.
    expect(await rows(EXAMPLE_QUERIES.orders ?? '')).toEqual(EXPECTED.orders);
    await inBucket((s3, bucket) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    expect(await rows("SELECT order_id FROM orders WHERE currency = 'GBP'")).toEqual([]);
    expect(existsSync(join(cache(), key))).toBe(false);
  });

  it('answers from the hours of its window only, though the cache holds every hour', async () => {
    expect(await rows('SELECT count(*) AS n FROM orders')).toEqual([{ n: 3 }]);
    const answer = await query('SELECT count(*) AS n FROM orders', '--until', '2000-01-01', '--format', 'json');
    expect(JSON.parse(answer.stdout)).toEqual([{ n: 0 }]);
  });
});
