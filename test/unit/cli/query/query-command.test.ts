import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { FETCH_CONCURRENCY } from '#cli/query/landed-download';
import { STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { recordsPrefix, renderPrefix } from '#shared/contract/storage-layout';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);

const BUCKET = 'sluice-example-landing';
const STACK = 'Sluice-example';
const HOUR_MS = 3_600_000;

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-query-stack-'));
});

afterEach(async () => {
  cloudFormation.reset();
  s3.reset();
  await rm(root, { recursive: true, force: true });
});

/** A landing bucket played by the mocks: keys and their bodies (changed by the test between calls). */
function bucket(objects: Record<string, string>, etags: Record<string, string> = {}): void {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [{ OutputKey: STACK_OUTPUTS.bucket, OutputValue: BUCKET }],
      },
    ],
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix: string }) => ({
    Contents: Object.keys(objects)
      .filter((key) => input.Bucket === BUCKET && key.startsWith(input.Prefix))
      .map((key) => ({ Key: key, Size: objects[key]?.length ?? 0, ETag: etags[key] ?? '"1"' })),
    IsTruncated: false,
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = Buffer.from(objects[input.Key] ?? '');
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } } as unknown as GetObjectCommandOutput;
  });
}

async function query(sql: string, ...options: string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: join(root, '.sluice') } });
  const code = await runCli(['query', sql, '--format', 'ndjson', ...options], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

function orderKey(at: Date, name: string): string {
  return `${renderPrefix(recordsPrefix('orders'), at)}sluice-example-orders-1-${name}.ndjson`;
}

const ORDER = (id: string) =>
  `{"order_id":"${id}","customer_id":"c","amount":12.5,"currency":"EUR","placed_at":"2024-05-01T10:00:00Z"}\n`;

describe('sluice query --stack', () => {
  it('fetches only the hour partitions of the window from the landing bucket, and reuses them next time', async () => {
    const now = new Date();
    const recent = orderKey(now, 'recent');
    const old = orderKey(new Date(now.getTime() - 72 * HOUR_MS), 'old');
    bucket({ [recent]: ORDER('recent'), [old]: ORDER('old') });

    const first = await query('SELECT order_id, amount FROM orders', '--stack', STACK, '--since', '2h');
    expect(first.stdout).toBe('{"order_id":"recent","amount":12.5}\n');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`1 batch(es) fetched from s3://${BUCKET}, 0 from the cache`);
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix ?? '');
    expect(prefixes.every((prefix) => /\/hour=\d{2}\/$/.test(prefix))).toBe(true);
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([recent]);

    const second = await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '2h');
    expect(second.stdout).toBe('{"n":1}\n');
    expect(second.stderr).toContain('0 batch(es) fetched');
    expect(second.stderr).toContain('1 from the cache');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('skips a key outside the layout rather than writing outside its cache', async () => {
    const now = new Date();
    const escaping = `${renderPrefix(recordsPrefix('orders'), now)}../../../../../../escaped.ndjson`;
    bucket({ [escaping]: ORDER('evil') });
    const answer = await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '1h');
    expect(answer.stdout).toBe('{"n":0}\n');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(existsSync(join(root, '.sluice', 'example', 'escaped.ndjson'))).toBe(false);
  });

  it('needs --since, and says when the stack has no landing bucket output', async () => {
    const noSince = await query('SELECT 1', '--stack', STACK);
    expect(noSince.code).toBe(2);
    expect(noSince.stderr).toContain('--stack needs --since');
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    const noBucket = await query('SELECT 1', '--stack', STACK, '--since', '1h');
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain(`stack ${STACK} has no ${STACK_OUTPUTS.bucket} output`);
  });

  it('fetches only a batch landed since the last call, and forgets a batch removed from the bucket', async () => {
    const now = new Date();
    const first = orderKey(now, 'a');
    const objects: Record<string, string> = { [first]: ORDER('a') };
    bucket(objects);
    expect((await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '1h')).stdout).toBe(
      '{"n":1}\n',
    );

    const second = orderKey(now, 'b');
    objects[second] = ORDER('b');
    const grown = await query('SELECT order_id FROM orders ORDER BY order_id', '--stack', STACK, '--since', '1h');
    expect(grown.stdout).toBe('{"order_id":"a"}\n{"order_id":"b"}\n');
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([first, second]);

    delete objects[first];
    const shrunk = await query('SELECT order_id FROM orders', '--stack', STACK, '--since', '1h');
    expect(shrunk.stdout).toBe('{"order_id":"b"}\n');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it('fetches a key again when its ETag in the listing changed', async () => {
    const key = orderKey(new Date(), 'a');
    const objects = { [key]: ORDER('a') };
    const etags = { [key]: '"1"' };
    bucket(objects, etags);
    await query('SELECT 1', '--stack', STACK, '--since', '1h');
    objects[key] = ORDER('z');
    etags[key] = '"2"';
    const answer = await query('SELECT order_id FROM orders', '--stack', STACK, '--since', '1h');
    expect(answer.stdout).toBe('{"order_id":"z"}\n');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it('answers from the hours of its own window only, though the cache holds older hours', async () => {
    const now = new Date();
    bucket({
      [orderKey(now, 'recent')]: ORDER('recent'),
      [orderKey(new Date(now.getTime() - 72 * HOUR_MS), 'old')]: ORDER('old'),
    });
    const wide = await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '4d');
    expect(wide.stdout).toBe('{"n":2}\n');
    const narrow = await query('SELECT order_id FROM orders', '--stack', STACK, '--since', '2h');
    expect(narrow.stdout).toBe('{"order_id":"recent"}\n');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it(`fetches new objects ${FETCH_CONCURRENCY} at a time, no more`, async () => {
    const now = new Date();
    const objects = Object.fromEntries(
      Array.from({ length: 3 * FETCH_CONCURRENCY + 1 }, (_, index) => [orderKey(now, `o${index}`), ORDER(`o${index}`)]),
    );
    bucket(objects);
    let inFlight = 0;
    let most = 0;
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      const body = Buffer.from(objects[input.Key] ?? '');
      return { Body: { transformToByteArray: async () => new Uint8Array(body) } } as unknown as GetObjectCommandOutput;
    });
    const answer = await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '1h');
    expect(answer.stdout).toBe(`{"n":${3 * FETCH_CONCURRENCY + 1}}\n`);
    expect(most).toBe(FETCH_CONCURRENCY);
  });

  it('keeps an NDJSON object in the cache as its body, byte for byte', async () => {
    const key = orderKey(new Date(), 'a');
    const body = `${ORDER('a')}${ORDER('b').trimEnd()}`;
    bucket({ [key]: body });
    const answer = await query('SELECT count(*) AS n FROM orders', '--stack', STACK, '--since', '1h');
    expect(answer.stdout).toBe('{"n":2}\n');
    const cached = join(root, '.sluice', 'example', 'query-cache', STACK, key);
    expect(await readFile(cached, 'utf8')).toBe(body);
  });
});
