/**
 * The embedded DynamoDB: dynalite on loopback with its LevelDB data under the tenant's
 * `.sluice/<tenant>/dynamodb/`, the pull state and Idempotency-Key tables in place, and clients
 * for it. The pull state and idempotency code is the same as on AWS; only the endpoint differs.
 */
import { once } from 'node:events';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore, stateDocumentClient } from '#functions/pull/dynamodb-state-store';
import { IDEMPOTENCY_PARTITION_KEY } from '#shared/contract/idempotency-table';
import { PULL_STATE_PARTITION_KEY } from '#shared/pull/pull-run';
import { isProcessAlive } from '../process-alive.ts';
import type { SluiceHome } from '../sluice-home.ts';
import { inThreadDynamoDbHandler } from './in-thread-dynamodb-handler.ts';

/** The pull state table of local mode. */
export const LOCAL_PULL_STATE_TABLE = 'sluice-pull-state';
/** The Idempotency-Key table of local mode. */
const LOCAL_IDEMPOTENCY_TABLE = 'sluice-idempotency';

/** Credentials for dynalite, which checks that a request is signed but not by whom. */
export const DYNALITE_CREDENTIALS = { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' } as const;

/** What `embedded-dynamodb-worker.mjs` takes as `workerData`. */
interface EmbeddedDynamoDbWorkerData {
  readonly directory: string;
  readonly port: number;
}

/** What the thread posts once dynalite listens, or why it cannot. */
type EmbeddedDynamoDbReady =
  | { readonly port: number }
  | { readonly error: { readonly message: string; readonly code?: string } };

/** The message that asks the thread to close dynalite and end. */
const CLOSE_MESSAGE = 'close';

/** A running embedded DynamoDB. */
export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  readonly table: string;
  /** The Idempotency-Key table's name. */
  readonly idempotencyTable: string;
  /** A new client for it (closed with the server), which reaches it by message rather than over its port. */
  client(): DynamoDBClient;
  /** The pull state store on its table. */
  stateStore(): DynamoDbStateStore;
  /** Stops the server, frees the port and closes the database (its folder may then be opened again). */
  close(): Promise<void>;
}

/** Where a tenant's embedded DynamoDB keeps its data. */
export function embeddedDynamoDbDirectory(home: Pick<SluiceHome, 'root'>): string {
  return join(home.root, 'dynamodb');
}

/**
 * A DynamoDB client for an endpoint (dynalite's fixed credentials), or for AWS without one;
 * `requestHandler` replaces the HTTP transport (the embedded DynamoDB's own clients).
 */
export function createDynamoDbClient(
  endpoint?: string,
  requestHandler?: DynamoDBClientConfig['requestHandler'],
): DynamoDBClient {
  if (!endpoint) return new DynamoDBClient({});
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: DYNALITE_CREDENTIALS,
    ...(requestHandler ? { requestHandler } : {}),
  });
}

/** Creates the pull state table (partition key `source`, on-demand) when it is missing. */
export function ensurePullStateTable(client: DynamoDBClient, table: string): Promise<void> {
  return ensureTable(client, table, PULL_STATE_PARTITION_KEY);
}

/**
 * Creates the Idempotency-Key table (partition key `id`, on-demand) when it is missing. Without
 * TTL, which dynalite lacks: an expired record stays on disk, but no longer holds its key
 * (Powertools' conditional put overwrites it), as on AWS before TTL deletes it.
 */
function ensureIdempotencyTable(client: DynamoDBClient, table: string): Promise<void> {
  return ensureTable(client, table, IDEMPOTENCY_PARTITION_KEY);
}

async function ensureTable(client: DynamoDBClient, table: string, partitionKey: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { TableName: table });
}

/** Raised when another process (or another server in this one) has the data folder open. */
export class DynamoDbFolderInUseError extends Error {
  override readonly name = 'DynamoDbFolderInUseError';
}

// LevelDB's own lock fails late and badly through dynalite (requests hang until its 30 s
// shutdown timeout), so the folder is claimed first with a pid file beside it; the pid file of
// a process that is gone (kill -9) is taken over.
async function claimFolder(directory: string): Promise<() => Promise<void>> {
  const lockFile = `${directory}.pid`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) {
        throw new DynamoDbFolderInUseError(
          `the embedded DynamoDB data folder ${directory} is in use by process ${holder} (a running sluice dev or pull?)`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new DynamoDbFolderInUseError(
    `the embedded DynamoDB data folder ${directory} is being claimed by another process`,
  );
}

/**
 * Starts dynalite on 127.0.0.1 (`port` 0 picks a free one) in a thread of its own
 * (`embedded-dynamodb-worker.mjs`) with its data in `directory`, and
 * creates the pull state and Idempotency-Key tables when they are missing. A taken port rejects with EADDRINUSE; a
 * folder that a live process has open rejects with {@link DynamoDbFolderInUseError}.
 * `onFailure` hears of the thread failing after it started.
 */
export async function startEmbeddedDynamoDb(
  directory: string,
  port = 0,
  onFailure: (error: Error) => void = () => undefined,
): Promise<EmbeddedDynamoDb> {
  await mkdir(directory, { recursive: true });
  const release = await claimFolder(directory);
  const workerData: EmbeddedDynamoDbWorkerData = { directory, port };
  const worker = new Worker(new URL('./embedded-dynamodb-worker.mjs', import.meta.url), { workerData });
  const exited = once(worker, 'exit');
  let ready: EmbeddedDynamoDbReady;
  try {
    [ready] = (await Promise.race([
      once(worker, 'message'),
      exited.then(([code]) => {
        throw new Error(`the embedded DynamoDB stopped before it listened (exit code ${code})`);
      }),
    ])) as [EmbeddedDynamoDbReady];
    if ('error' in ready) throw Object.assign(new Error(ready.error.message), { code: ready.error.code });
  } catch (error) {
    await worker.terminate();
    await release();
    throw error;
  }
  // A later failure ends the thread; calls then fail as DynamoDB being unreachable would.
  worker.on('error', onFailure);
  const endpoint = `http://127.0.0.1:${ready.port}`;
  const clients: DynamoDBClient[] = [];
  const requestHandler = inThreadDynamoDbHandler(worker);
  const client = () => {
    const created = createDynamoDbClient(endpoint, requestHandler);
    clients.push(created);
    return created;
  };
  const close = async () => {
    for (const created of clients) created.destroy();
    worker.postMessage(CLOSE_MESSAGE);
    await exited;
    await release();
  };
  try {
    const setup = client();
    await ensurePullStateTable(setup, LOCAL_PULL_STATE_TABLE);
    await ensureIdempotencyTable(setup, LOCAL_IDEMPOTENCY_TABLE);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return {
    endpoint,
    table: LOCAL_PULL_STATE_TABLE,
    idempotencyTable: LOCAL_IDEMPOTENCY_TABLE,
    client,
    stateStore: () => new DynamoDbStateStore({ client: stateDocumentClient(client()), table: LOCAL_PULL_STATE_TABLE }),
    close,
  };
}
