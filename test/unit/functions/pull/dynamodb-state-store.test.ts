import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoDbStateStore,
  stateDocumentClient,
  stateStoreFromEnvironment,
} from '#functions/pull/dynamodb-state-store';
import { LeaseLostError, type RunProgress, type RunSummary, SourceBusyError } from '#shared/pull/pull-run';

// A real DynamoDB API (dynalite, in memory) on loopback, with the table as the stack creates it.
let server: Server;
let client: DynamoDBClient;
let table = '';
let tables = 0;
let clock = new Date('2026-03-01T10:00:00.000Z');

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  table = `pull-state-${++tables}`;
  clock = new Date('2026-03-01T10:00:00.000Z');
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'source', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'source', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

const store = () => new DynamoDbStateStore({ client: stateDocumentClient(client), table, now: () => clock });
const later = (ms: number) => new Date(clock.getTime() + ms);

const progress = (pages: number): RunProgress => ({
  id: 'run-a',
  startedAt: '2026-03-01T10:00:00.000Z',
  position: { cursor: `c${pages}` },
  pages,
  records: pages * 100,
  retries: 0,
  waits: 0,
  highestCursor: `2026-02-0${pages}T00:00:00Z`,
  seen: [`digest-${pages}`],
});

const summary = (status: RunSummary['status'], run = 'run-a'): RunSummary => ({
  source: 'gh',
  run,
  status,
  reason: status === 'partial' ? 'time budget' : 'last page',
  pages: 2,
  records: 200,
  retries: 0,
  waits: 0,
  durationMs: 5_000,
  nextCursor: '2026-02-02T00:00:00Z',
  startedAt: '2026-03-01T10:00:00.000Z',
  endedAt: '2026-03-01T10:00:05.000Z',
});

describe('the DynamoDB pull state store', () => {
  it('gives a free source its lease, at version 1, and shows who holds it until when', async () => {
    const state = await store().acquireLease('gh', 'run-a', later(60_000));
    expect(state).toEqual({
      source: 'gh',
      version: 1,
      lease: { owner: 'run-a', until: '2026-03-01T10:01:00.000Z' },
    });
    expect(await store().read('gh')).toEqual(state);
  });

  it('refuses a second run while the lease is held, naming the holder, and leaves the state as it was', async () => {
    const held = await store().acquireLease('gh', 'run-a', later(60_000));
    const refusal = store().acquireLease('gh', 'run-b', later(60_000));
    await expect(refusal).rejects.toBeInstanceOf(SourceBusyError);
    await expect(refusal).rejects.toThrow(
      'source gh is already running (run run-a, lease until 2026-03-01T10:01:00.000Z); not starting a second run',
    );
    expect(await store().read('gh')).toEqual(held);
  });

  it('refuses a lease that ends exactly now and takes over one that ended 1 ms ago (a killed run)', async () => {
    await store().acquireLease('gh', 'run-a', later(60_000));
    clock = later(60_000);
    await expect(store().acquireLease('gh', 'run-b', later(60_000))).rejects.toBeInstanceOf(SourceBusyError);
    clock = later(1);
    const taken = await store().acquireLease('gh', 'run-b', later(60_000));
    expect(taken).toMatchObject({ version: 2, lease: { owner: 'run-b' } });
    // The killed run, were it to come back, can no longer save.
    await expect(store().saveProgress('gh', 'run-a', 1, progress(1))).rejects.toThrow(
      'run run-a of source gh lost its lease (run run-b holds it now); its progress was not saved',
    );
  });

  it('lets the holder take its lease again, which moves the version so that a stale slice of the run cannot save', async () => {
    const first = await store().acquireLease('gh', 'run-a', later(60_000));
    const again = await store().acquireLease('gh', 'run-a', later(120_000));
    expect(again.version).toBe(first.version + 1);
    await expect(store().saveProgress('gh', 'run-a', first.version, progress(1))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(store().saveProgress('gh', 'run-a', again.version, progress(1))).resolves.toMatchObject({
      version: again.version + 1,
    });
  });

  it('saves progress only at the expected version, one version up per save', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const saved = await store().saveProgress('gh', 'run-a', leased.version, progress(1));
    expect(saved).toEqual({ ...leased, version: leased.version + 1, run: progress(1) });
    for (const stale of [leased.version, saved.version + 1]) {
      await expect(store().saveProgress('gh', 'run-a', stale, progress(2))).rejects.toThrow(
        `run run-a of source gh lost its lease (the state moved to version ${saved.version}, expected ${stale})`,
      );
    }
    expect((await store().read('gh'))?.run).toEqual(progress(1));
  });

  it('refuses progress from a run that does not hold the lease', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    await expect(store().saveProgress('gh', 'run-b', leased.version, progress(1))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(store().saveProgress('other', 'run-a', 0, progress(1))).rejects.toThrow(
      'run run-a of source other lost its lease (the lease was released)',
    );
    expect(await store().read('other')).toBeUndefined();
  });

  it('drops optional fields left undefined instead of failing the save', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const run = { ...progress(1), lowerBound: undefined } as unknown as RunProgress;
    await store().saveProgress('gh', 'run-a', leased.version, run);
    expect((await store().read('gh'))?.run).toEqual(progress(1));
  });

  it('keeps 5,000 seen-page digests of 64 hex digits in one item, and says so when a run outgrows the 400 KB item', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const digests = (count: number) =>
      Array.from({ length: count }, (_, index) => index.toString(16).padStart(64, '0'));
    const saved = await store().saveProgress('gh', 'run-a', leased.version, { ...progress(1), seen: digests(5_000) });
    await expect(
      store().saveProgress('gh', 'run-a', saved.version, { ...progress(2), seen: digests(10_000) }),
    ).rejects.toThrow("the state of source gh would be over DynamoDB's 400 KB item limit; nothing was written");
    expect((await store().read('gh'))?.run?.seen).toHaveLength(5_000);
  });

  it('refuses a stored item that is not a state it wrote, naming the field, instead of acting on it', async () => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          source: { S: 'gh' },
          version: { N: '3' },
          run: { M: { id: { S: 'run-a' }, startedAt: { S: 'x' }, pages: { S: 'two' } } },
          leaseOwner: { S: 'run-a' },
          leaseUntil: { N: '1e100' },
        },
      }),
    );
    const read = store().read('gh');
    await expect(read).rejects.toThrow(/^the saved state of source gh is not valid: run\.pages: /);
    await expect(read).rejects.toThrow(/leaseUntil: /);
    await expect(store().acquireLease('gh', 'run-b', later(60_000))).rejects.toThrow(/run\.pages/);
  });

  it('records a succeeded run, its cursor and end time, clears its progress and releases the lease', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const saved = await store().saveProgress('gh', 'run-a', leased.version, progress(2));
    await store().finishRun('gh', 'run-a', saved.version, summary('succeeded'), '2026-02-02T00:00:00Z');
    expect(await store().read('gh')).toEqual({
      source: 'gh',
      version: saved.version + 1,
      cursor: '2026-02-02T00:00:00Z',
      lastRun: summary('succeeded'),
      lastSuccessAt: '2026-03-01T10:00:05.000Z',
    });
    // Released: the next run starts at once, well before the old lease would have ended.
    await expect(store().acquireLease('gh', 'run-b', later(60_000))).resolves.toMatchObject({
      lease: { owner: 'run-b' },
    });
  });

  it('keeps the position of a partial run for the next one, without marking a success', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const saved = await store().saveProgress('gh', 'run-a', leased.version, progress(2));
    await store().finishRun('gh', 'run-a', saved.version, summary('partial'), '2026-02-02T00:00:00Z');
    const state = await store().read('gh');
    expect(state).toMatchObject({ run: progress(2), cursor: '2026-02-02T00:00:00Z', lastRun: summary('partial') });
    expect(state?.lastSuccessAt).toBeUndefined();
    expect(state?.lease).toBeUndefined();
  });

  it('leaves the cursor and the last success untouched when a run fails, keeping its position for the next run', async () => {
    const first = await store().acquireLease('gh', 'run-a', later(60_000));
    await store().finishRun('gh', 'run-a', first.version, summary('succeeded'), '2026-02-02T00:00:00Z');
    const second = await store().acquireLease('gh', 'run-b', later(60_000));
    const saved = await store().saveProgress('gh', 'run-b', second.version, { ...progress(1), id: 'run-b' });
    await store().finishRun('gh', 'run-b', saved.version, summary('failed', 'run-b'));
    expect(await store().read('gh')).toEqual({
      source: 'gh',
      version: saved.version + 1,
      cursor: '2026-02-02T00:00:00Z',
      run: { ...progress(1), id: 'run-b' },
      lastRun: summary('failed', 'run-b'),
      lastSuccessAt: '2026-03-01T10:00:05.000Z',
    });
  });

  it('stores the ids of the records at the cursor with it, and reads them back', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    const ids = ['0123456789abcdef', 'fedcba9876543210'];
    await store().finishRun('gh', 'run-a', leased.version, summary('succeeded'), '2026-02-02T00:00:00Z', ids);
    expect(await store().read('gh')).toMatchObject({ cursor: '2026-02-02T00:00:00Z', cursorIds: ids });
  });

  it("releases only its own lease, whatever the version, and leaves another run's alone", async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    await store().saveProgress('gh', 'run-a', leased.version, progress(1));
    await store().releaseLease('gh', 'run-a');
    const released = await store().read('gh');
    expect(released?.lease).toBeUndefined();
    expect(released?.run).toEqual(progress(1));
    await store().acquireLease('gh', 'run-b', later(60_000));
    await store().releaseLease('gh', 'run-a');
    expect((await store().read('gh'))?.lease?.owner).toBe('run-b');
    await expect(store().releaseLease('never-run', 'run-a')).resolves.toBeUndefined();
  });

  it('refuses to finish a run at a stale version or for a run that lost the lease', async () => {
    const leased = await store().acquireLease('gh', 'run-a', later(60_000));
    await expect(store().finishRun('gh', 'run-a', leased.version - 1, summary('succeeded'))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(store().finishRun('gh', 'run-b', leased.version, summary('succeeded'))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await store().read('gh')).toEqual(leased);
  });

  it('gives the lease to exactly one of 20 runs that start at once', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => store().acquireLease('gh', `run-${index}`, later(60_000))),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(refused.every((result) => result.reason instanceof SourceBusyError)).toBe(true);
    const winner = (won[0] as PromiseFulfilledResult<{ lease?: { owner: string } }>).value.lease?.owner;
    expect(refused.map((result) => (result.reason as SourceBusyError).heldBy)).toEqual(Array(19).fill(winner));
    expect((await store().read('gh'))?.lease?.owner).toBe(winner);
  });

  it('lists every source of the table, by name', async () => {
    for (const source of ['zendesk', 'gh', 'hubspot']) await store().acquireLease(source, 'run-a', later(60_000));
    expect((await store().list()).map((state) => state.source)).toEqual(['gh', 'hubspot', 'zendesk']);
  });
});

describe('the pull function’s state store', () => {
  it('uses the table named by SLUICE_PULL_STATE_TABLE', async () => {
    const fromEnv = stateStoreFromEnvironment({ SLUICE_PULL_STATE_TABLE: table }, client);
    await fromEnv.acquireLease('gh', 'run-a', new Date(Date.now() + 60_000));
    expect((await store().read('gh'))?.lease?.owner).toBe('run-a');
  });

  it('refuses to start without SLUICE_PULL_STATE_TABLE, naming it', () => {
    expect(() => stateStoreFromEnvironment({}, client)).toThrow(
      'SLUICE_PULL_STATE_TABLE is not set: the pull function needs its state table',
    );
  });
});
