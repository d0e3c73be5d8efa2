import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { STACK_OUTPUTS } from '#shared/stack-outputs';
import { recordsPrefix, renderPrefix } from '#shared/storage-layout';
import { captureIo } from './io-capture.ts';

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

/** A landing bucket played by the mocks: keys and their bodies. */
function bucket(objects: Record<string, string>): void {
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
      .map((key) => ({ Key: key, Size: objects[key]?.length ?? 0 })),
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
});
