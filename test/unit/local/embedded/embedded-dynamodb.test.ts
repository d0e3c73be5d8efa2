import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createDynamoDbClient,
  embeddedDynamoDbDirectory,
  LOCAL_PULL_STATE_TABLE,
  startEmbeddedDynamoDb,
} from '#local/embedded/embedded-dynamodb';
import { portIsFree } from '../../../e2e/support/port-is-free.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

const summary = {
  source: 'gh_issues',
  run: 'run-1',
  status: 'succeeded',
  reason: 'last page',
  pages: 3,
  records: 250,
  retries: 1,
  waits: 0,
  durationMs: 1_200,
  nextCursor: '2026-01-02T00:00:00Z',
  startedAt: '2026-01-02T03:00:00.000Z',
  endedAt: '2026-01-02T03:00:01.200Z',
} as const;

it('keeps the pull state under the tenant folder across a restart and frees its port on close', async () => {
  const directory = embeddedDynamoDbDirectory(home);
  expect(directory).toBe(`${home.root}/dynamodb`);
  const first = await startEmbeddedDynamoDb(directory);
  const port = Number(new URL(first.endpoint).port);
  expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(first.table).toBe(LOCAL_PULL_STATE_TABLE);
  const store = first.stateStore();
  const leased = await store.acquireLease('gh_issues', 'run-1', new Date(Date.now() + 60_000));
  await store.finishRun('gh_issues', 'run-1', leased.version, summary, '2026-01-02T00:00:00Z');
  await first.close();
  expect(await portIsFree(port)).toBe(true);

  // The same folder and port again: the table is there, and so is the finished run.
  const second = await startEmbeddedDynamoDb(directory, port);
  try {
    expect(await second.stateStore().read('gh_issues')).toEqual({
      source: 'gh_issues',
      version: 2,
      cursor: '2026-01-02T00:00:00Z',
      lastRun: summary,
      lastSuccessAt: summary.endedAt,
    });
  } finally {
    await second.close();
  }
});

it('refuses a port that is taken, with EADDRINUSE', async () => {
  const blocker = createServer();
  const port = await new Promise<number>((resolve) =>
    blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
  );
  try {
    await expect(startEmbeddedDynamoDb(embeddedDynamoDbDirectory(home), port)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  } finally {
    blocker.close();
  }
});

it('refuses a data folder a live process has open, naming the folder and the process', async () => {
  const directory = embeddedDynamoDbDirectory(home);
  const first = await startEmbeddedDynamoDb(directory);
  try {
    await expect(startEmbeddedDynamoDb(directory)).rejects.toThrow(
      `the embedded DynamoDB data folder ${directory} is in use by process ${process.pid}`,
    );
    // The first one still answers.
    expect(await first.stateStore().list()).toEqual([]);
  } finally {
    await first.close();
  }
});

it('takes over the data folder of a process that is gone (kill -9 leaves its pid file)', async () => {
  const directory = embeddedDynamoDbDirectory(home);
  await mkdir(home.root, { recursive: true });
  // A pid far above any pid_max: no such process.
  await writeFile(`${directory}.pid`, '4194304999');
  const db = await startEmbeddedDynamoDb(directory);
  try {
    expect(await db.stateStore().list()).toEqual([]);
  } finally {
    await db.close();
  }
});

it("answers its own clients by message and others over its port, from one database, with DynamoDB's errors", async () => {
  const embedded = await startEmbeddedDynamoDb(embeddedDynamoDbDirectory(home));
  const overPort = createDynamoDbClient(embedded.endpoint);
  try {
    const item = { source: { S: 'gh_issues' }, cursor: { S: 'x'.repeat(5_000) } };
    await embedded.client().send(new PutItemCommand({ TableName: embedded.table, Item: item }));
    const read = await overPort.send(new GetItemCommand({ TableName: embedded.table, Key: { source: item.source } }));
    expect(read.Item).toEqual(item);
    await expect(
      embedded.client().send(new GetItemCommand({ TableName: 'no-such-table', Key: { source: item.source } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      embedded.client().send(
        new PutItemCommand({
          TableName: embedded.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#s)',
          ExpressionAttributeNames: { '#s': 'source' },
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  } finally {
    overPort.destroy();
    await embedded.close();
  }
});
