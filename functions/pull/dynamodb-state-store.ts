/**
 * The pull state store on DynamoDB (and on dynalite locally: the same code, another endpoint).
 * One item per source, key `source`; the item holds the SourceState fields as a document plus
 * `version`, `leaseOwner` and `leaseUntil` (epoch milliseconds, so that "expired" is a number
 * comparison on the server). Every write is a conditional UpdateItem, so two runs, or a run
 * and its own retried slice, can never both commit: the loser learns it from the condition,
 * not from a read that may already be stale.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ENV } from '#shared/contract/environment';
import {
  LeaseLostError,
  type PullStateStore,
  type RunProgress,
  type RunSummary,
  SourceBusyError,
  type SourceState,
} from '#shared/pull/pull-run';
import { parseStoredState } from '#shared/pull/source-state-schema';

/**
 * The document client the store expects: optional fields left `undefined` are dropped instead of
 * failing the write.
 */
export function stateDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Where the store keeps its items, and its clock (the lease expiry is judged against it). */
export interface DynamoDbStateStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  readonly now?: () => Date;
}

// Every attribute goes through a name placeholder: SOURCE is a DynamoDB reserved word, and so
// may others become.
const NAMES = {
  '#version': 'version',
  '#leaseOwner': 'leaseOwner',
  '#leaseUntil': 'leaseUntil',
  '#run': 'run',
  '#lastRun': 'lastRun',
  '#lastSuccessAt': 'lastSuccessAt',
  '#cursor': 'cursor',
  '#cursorIds': 'cursorIds',
} as const;

type NameKey = keyof typeof NAMES;

function namesIn(...expressions: string[]): Record<string, string> {
  const text = expressions.join(' ');
  return Object.fromEntries(Object.entries(NAMES).filter(([placeholder]) => text.includes(placeholder))) as Record<
    NameKey,
    string
  >;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

type Item = Record<string, unknown>;

// What comes back from the table is checked, not cast: a hand-edited or foreign item fails
// here with the field named instead of steering the runner.
const toState = (item: Item): SourceState => parseStoredState(item);

/** {@link PullStateStore} on a DynamoDB table with partition key `source` and no sort key. */
export class DynamoDbStateStore implements PullStateStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => Date;

  constructor(options: DynamoDbStateStoreOptions) {
    this.#client = options.client;
    this.#table = options.table;
    this.#now = options.now ?? (() => new Date());
  }

  async read(source: string): Promise<SourceState | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { source }, ConsistentRead: true }),
    );
    return Item ? toState(Item) : undefined;
  }

  async list(): Promise<SourceState[]> {
    // A tenant has a handful of sources: a scan is the whole table in one or two pages.
    const states: SourceState[] = [];
    for await (const page of paginateScan({ client: this.#client }, { TableName: this.#table, ConsistentRead: true })) {
      for (const item of page.Items ?? []) states.push(toState(item));
    }
    return states.sort((a, b) => a.source.localeCompare(b.source));
  }

  async acquireLease(source: string, owner: string, until: Date): Promise<SourceState> {
    // Twice at most: a refusal whose holder is gone by the time we look was a release in between.
    for (let attempt = 0; ; attempt++) {
      try {
        return toState(
          await this.#update(source, {
            update: 'SET #leaseOwner = :owner, #leaseUntil = :until, #version = if_not_exists(#version, :zero) + :one',
            condition: 'attribute_not_exists(#leaseOwner) OR #leaseUntil < :now OR #leaseOwner = :owner',
            values: {
              ':owner': owner,
              ':until': until.getTime(),
              ':now': this.#now().getTime(),
              ':zero': 0,
              ':one': 1,
            },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const held = await this.read(source);
        if (held?.lease || attempt > 0) {
          throw new SourceBusyError(source, held?.lease?.owner ?? 'unknown', held?.lease?.until ?? 'unknown');
        }
      }
    }
  }

  async saveProgress(source: string, owner: string, expectedVersion: number, run: RunProgress): Promise<SourceState> {
    return toState(
      await this.#write(source, owner, {
        update: 'SET #run = :run, #version = #version + :one',
        condition: '#leaseOwner = :owner AND #version = :expected',
        values: { ':owner': owner, ':expected': expectedVersion, ':run': run, ':one': 1 },
      }),
    );
  }

  async finishRun(
    source: string,
    owner: string,
    expectedVersion: number,
    summary: RunSummary,
    cursor?: string,
    cursorIds?: readonly string[],
  ): Promise<void> {
    const set = ['#lastRun = :summary', '#version = #version + :one'];
    const values: Item = { ':owner': owner, ':expected': expectedVersion, ':summary': summary, ':one': 1 };
    if (cursor !== undefined) {
      set.push('#cursor = :cursor');
      values[':cursor'] = cursor;
    }
    if (cursorIds !== undefined) {
      set.push('#cursorIds = :cursorIds');
      values[':cursorIds'] = cursorIds;
    }
    if (summary.status === 'succeeded') {
      set.push('#lastSuccessAt = :endedAt');
      values[':endedAt'] = summary.endedAt;
    }
    // Only a succeeded run is over; a partial or failed one keeps its position, so the next run
    // continues after its last committed page instead of starting over or skipping pages.
    const remove = summary.status === 'succeeded' ? '#leaseOwner, #leaseUntil, #run' : '#leaseOwner, #leaseUntil';
    await this.#write(source, owner, {
      update: `SET ${set.join(', ')} REMOVE ${remove}`,
      condition: '#leaseOwner = :owner AND #version = :expected',
      values,
    });
  }

  async releaseLease(source: string, owner: string): Promise<void> {
    try {
      await this.#update(source, {
        update: 'REMOVE #leaseOwner, #leaseUntil',
        condition: '#leaseOwner = :owner',
        values: { ':owner': owner },
      });
    } catch (error) {
      // Another run holds it now, or nobody: there is nothing of ours to release.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** A write of the lease holder; a failed condition says what moved, as {@link LeaseLostError}. */
  async #write(source: string, owner: string, expression: Expression): Promise<Item> {
    try {
      return await this.#update(source, expression);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const state = await this.read(source);
      const expected = expression.values[':expected'];
      const reason =
        state?.lease?.owner === undefined
          ? 'the lease was released'
          : state.lease.owner !== owner
            ? `run ${state.lease.owner} holds it now`
            : `the state moved to version ${state.version}, expected ${String(expected)}`;
      throw new LeaseLostError(source, owner, reason);
    }
  }

  async #update(source: string, expression: Expression): Promise<Item> {
    const input: UpdateCommandInput = {
      TableName: this.#table,
      Key: { source },
      UpdateExpression: expression.update,
      ConditionExpression: expression.condition,
      ExpressionAttributeNames: namesIn(expression.update, expression.condition),
      ExpressionAttributeValues: expression.values,
      ReturnValues: 'ALL_NEW',
    };
    try {
      const { Attributes } = await this.#client.send(new UpdateCommand(input));
      return Attributes ?? { source };
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'ValidationException' && /item size/i.test(message)) {
        throw new Error(
          `the state of source ${source} would be over DynamoDB's 400 KB item limit; nothing was written`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

interface Expression {
  readonly update: string;
  readonly condition: string;
  readonly values: Item;
}

/**
 * The pull function's store: the table named by `SLUICE_PULL_STATE_TABLE` (set by the stack),
 * on `client` (the Lambda's own credentials by default). Create it once, at module scope.
 */
export function stateStoreFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  client: DynamoDBClient = new DynamoDBClient({}),
): DynamoDbStateStore {
  const table = env[ENV.pullStateTable];
  if (!table) throw new Error(`${ENV.pullStateTable} is not set: the pull function needs its state table's name`);
  return new DynamoDbStateStore({ client: stateDocumentClient(client), table });
}
