import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '#cli/cli-io';
import { dlqCommand } from '#cli/dlq/dlq-command';
import { deliveryStreamOutput, STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { deadLetterPrefix, renderPrefix, replayLockKey } from '#shared/contract/storage-layout';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);

const BUCKET = 'sluice-example-landing';
const HOUR_MS = 3_600_000;
const KINESIS_TENANT = fileURLToPath(new URL('../../../infra/fixtures/kinesis-tenant.ts', import.meta.url));

let root: string;
let objects: Map<string, Buffer>;
let listedPrefixes: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-dlq-stack-'));
  objects = new Map();
  listedPrefixes = [];
});

afterEach(async () => {
  cloudFormation.reset();
  s3.reset();
  firehose.reset();
  kinesis.reset();
  await rm(root, { recursive: true, force: true });
});

/** A deployed stack played by the mocks: its outputs, and a bucket that keeps what is put into it. */
function stack(tenant: string, stream: string): void {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: `Sluice-${tenant}`,
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: STACK_OUTPUTS.bucket, OutputValue: BUCKET },
          { OutputKey: deliveryStreamOutput(stream), OutputValue: `sluice.${tenant}.${stream}` },
        ],
      },
    ],
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix: string }) => {
    listedPrefixes.push(input.Prefix);
    return {
      Contents: [...objects.keys()]
        .filter((key) => input.Bucket === BUCKET && key.startsWith(input.Prefix))
        .map((key) => ({ Key: key, Size: objects.get(key)?.length ?? 0, ETag: '"1"' })),
      IsTruncated: false,
    };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key) ?? Buffer.alloc(0);
    return {
      Body: { transformToByteArray: async () => new Uint8Array(body) },
      ETag: etags.get(input.Key),
    } as unknown as GetObjectCommandOutput;
  });
  const etags = new Map<string, string>();
  // S3's conditional write: If-None-Match: * fails with 412 on a key that is there.
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key)) {
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    }
    objects.set(input.Key, Buffer.from(input.Body));
    etags.set(input.Key, `"${etags.size + 1}-${Date.now()}"`);
    return { ETag: etags.get(input.Key) };
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
}

function deadLetterKey(stream: string, at: Date, name: string, extension = '.ndjson'): string {
  return `${renderPrefix(deadLetterPrefix(stream), at)}sluice.example.${stream}.dlq-1-${name}${extension}`;
}

function deadLetter(stream: string, index: number, record: string, at: Date, tenant = 'example'): string {
  return `${JSON.stringify({
    tenant,
    stream,
    request_id: 'req-1',
    received_at: at.toISOString(),
    index,
    problem: 'urn:sluice:problem:schema-violation',
    reasons: [{ path: '/amount', message: 'Invalid type: Expected number but received "1"' }],
    record,
  })}\n`;
}

const order = (id: string) =>
  `{"order_id":"${id}","customer_id":"c","amount":12.5,"currency":"EUR","placed_at":"2024-05-01T10:00:00Z"}`;

const fastRetries = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 1, random: () => 0 };

async function dlq(...args: string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: join(root, '.sluice') } });
  const code = await dlqCommand(args, captured.io, () => ({
    cloudFormation: new CloudFormationClient({}),
    s3: new S3Client({}),
    firehose: new FirehoseClient({}),
    kinesis: new KinesisClient({}),
    retryPolicy: fastRetries,
  }));
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('sluice dlq --stack', () => {
  it('lists only the hour partitions of the window, an hour wider on each side', async () => {
    stack('example', 'orders');
    const now = new Date();
    objects.set(deadLetterKey('orders', now, 'recent'), Buffer.from(deadLetter('orders', 0, order('o1'), now)));
    const old = new Date(now.getTime() - 72 * HOUR_MS);
    objects.set(deadLetterKey('orders', old, 'old'), Buffer.from(deadLetter('orders', 0, order('o0'), old)));

    const listed = await dlq('ls', 'orders', '--stack', 'Sluice-example', '--since', '2h');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('1 dead letter(s) of orders in 1 object(s), 0 already replayed');
    const hours = listedPrefixes.filter((prefix) => prefix.startsWith('dlq/orders/'));
    expect(hours).toHaveLength(5);
    expect(hours.every((prefix) => /^dlq\/orders\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/$/.test(prefix))).toBe(
      true,
    );
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).not.toContain(
      deadLetterKey('orders', old, 'old'),
    );
  });

  it('refuses to replay while another run holds the lock, naming its run and start, and delivers nothing', async () => {
    stack('example', 'orders');
    const now = new Date();
    objects.set(deadLetterKey('orders', now, 'a'), Buffer.from(deadLetter('orders', 0, order('o1'), now)));
    const holder = { run: '20260102T030405Z-1a2b3c4d', started_at: now.toISOString(), heartbeat_at: now.toISOString() };
    objects.set(replayLockKey('orders'), Buffer.from(JSON.stringify({ ...holder, host: 'operator-2', pid: 7 })));

    await expect(dlq('replay', 'orders', '--stack', 'Sluice-example', '--since', '1h')).rejects.toThrow(
      `another replay of orders is running: run ${holder.run}, started ${holder.started_at}`,
    );
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
    expect(objects.has(replayLockKey('orders'))).toBe(true);
  });

  it('delivers with PutRecordBatch, resends only the entries that failed, and records every record once', async () => {
    stack('example', 'orders');
    const now = new Date();
    const lines = [order('o1'), order('o2'), order('o3')].map((record, index) =>
      deadLetter('orders', index, record, now),
    );
    objects.set(deadLetterKey('orders', now, 'a'), Buffer.from(lines.join('')));
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [{ RecordId: '1' }, { ErrorCode: 'ServiceUnavailableException' }, { RecordId: '3' }],
      })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '2' }] });

    const run = await dlq('replay', 'orders', '--stack', 'Sluice-example', '--since', '1h');
    expect(run.stdout).toContain('3 replayed, 0 still rejected, 0 skipped');
    expect(run.code).toBe(0);
    const calls = firehose.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.DeliveryStreamName)).toEqual(['sluice.example.orders', 'sluice.example.orders']);
    const sent = (index: number) =>
      (calls[index]?.Records ?? []).map((record) => Buffer.from(record.Data ?? new Uint8Array()).toString());
    // What a post of each record would have stored: the record and a line feed.
    expect(sent(0)).toEqual([`${order('o1')}\n`, `${order('o2')}\n`, `${order('o3')}\n`]);
    expect(sent(1)).toEqual([`${order('o2')}\n`]);
    const ledger = [...objects.keys()].filter((key) => key.startsWith('dlq-replays/orders/'));
    expect(ledger).toHaveLength(1);
    const entries = (objects.get(ledger[0] ?? '')?.toString() ?? '')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries.map((entry) => entry.line)).toEqual([1, 2, 3]);
    expect(entries.every((entry) => run.stdout.includes(`run ${entry.run}`))).toBe(true);

    const again = await dlq('replay', 'orders', '--stack', 'Sluice-example', '--since', '1h');
    expect(again.stdout).toContain('0 replayed, 0 still rejected, 3 skipped');
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
  });

  it('stops when entries still fail after the retries, and records nothing it did not deliver', async () => {
    stack('example', 'orders');
    const now = new Date();
    objects.set(deadLetterKey('orders', now, 'a'), Buffer.from(deadLetter('orders', 0, order('o1'), now)));
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'InternalFailure' }],
    });
    await expect(dlq('replay', 'orders', '--stack', 'Sluice-example')).rejects.toThrow(
      /^run \S+ stopped .*: Firehose failed 1 record\(s\) after retries/,
    );
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(fastRetries.maxAttempts);
    expect([...objects.keys()].some((key) => key.startsWith('dlq-replays/'))).toBe(false);
  });

  it('sends the records of a Kinesis-fed stream to its Kinesis stream, from gzip-compressed dead letters', async () => {
    stack('fixture-kinesis', 'clicks');
    const now = new Date();
    const line = deadLetter('clicks', 0, '{"click":1}', now, 'fixture-kinesis');
    objects.set(deadLetterKey('clicks', now, 'a', '.ndjson.gz'), gzipSync(line));
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });

    const run = await dlq('replay', 'clicks', '--stack', 'Sluice-fixture-kinesis', '--tenant', KINESIS_TENANT);
    expect(run.stdout).toContain('1 replayed');
    const input = kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input;
    expect(input?.StreamName).toBe('sluice.fixture-kinesis.clicks');
    expect(Buffer.from(input?.Records?.[0]?.Data ?? new Uint8Array()).toString()).toBe('{"click":1}\n');
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });

  it('refuses a stack of another tenant than the config', async () => {
    stack('example', 'orders');
    await expect(dlq('ls', 'orders', '--stack', 'Sluice-other')).rejects.toThrow(
      new CliError("stack Sluice-other is tenant other's; pass --tenant other"),
    );
  });
});
