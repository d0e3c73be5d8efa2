/**
 * Idempotency-Key answers saved from a journal, for local mode. The ingest work hands a keyed
 * post's answer to its delivery with the records (`DeliveryBatch.completes`); the local
 * Firehose journal fsyncs both in one entry. If `sluice dev` is killed after that fsync and
 * before Powertools saved the answer, the key would stay in progress and a retry would land
 * the records again once it expired. So, before the server answers anything, local mode
 * saves every journaled answer whose key is still in progress, and the buffers do the same
 * before they remove a landed segment.
 *
 * The answers are saved through the same Powertools persistence layer and settings as the
 * gate (idempotent-answers.ts), so the stored record is the one Powertools would have written.
 * AWS has no journal to replay: there the window stays (docs/contract.md, "Idempotency-Key").
 */
import {
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { DeleteItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import type { TenantConfig } from '#shared/config/tenant-config';
import { IDEMPOTENCY_PARTITION_KEY } from '#shared/contract/idempotency-table';
import type { KeyedAnswer } from '#shared/ports/delivery-port';
import {
  type IdempotencyStore,
  type KeyedWork,
  type StreamIdempotency,
  streamIdempotency,
} from './idempotent-answers.ts';

// Powertools' attribute for a record's status (its default, which the gate does not change).
const STATUS_ATTRIBUTE = 'status';

/** Saves journaled answers, and frees keys no journal answers for, in a tenant's Idempotency-Key table. */
export interface KeyCompletions {
  /** Saves each answer whose key is still in progress; completed, expired or reused keys are left alone. */
  complete(answers: readonly KeyedAnswer[]): Promise<number>;
  /**
   * Frees every key still in progress, at start and after {@link complete}: the process that
   * took it is gone (the embedded DynamoDB admits one server) and no journal holds its records,
   * so its client's retry must be processed, not refused 409 until the in-progress expiry.
   */
  releaseInProgress(): Promise<number>;
}

/** Keys whose answers are saved, remembered for at most this many answers (oldest forgotten first). */
const SAVED_ANSWERS_KEPT = 10_000;

/**
 * The keyed answers this process saw Powertools save (`IdempotencyStore.onAnswerSaved`), until
 * their records land: those need no read of their key then. Only an optimisation: an answer
 * not remembered (forgotten, or saved by a process that is gone) is read and completed as before.
 */
export class SavedAnswers {
  readonly #ids = new Set<string>();

  /** Remembers that `keyed`'s answer is saved. */
  note(keyed: KeyedWork): void {
    this.#ids.add(savedId(keyed));
    if (this.#ids.size > SAVED_ANSWERS_KEPT) this.#ids.delete(this.#ids.values().next().value as string);
  }

  /** Whether `keyed`'s answer was saved; it is forgotten either way. */
  take(keyed: KeyedWork): boolean {
    return this.#ids.delete(savedId(keyed));
  }
}

const savedId = (keyed: KeyedWork) => `${keyed.streamId}\n${keyed.digest}\n${keyed.key}`;

/**
 * Builds the completions of a tenant over its Idempotency-Key store; answers in `saved` are
 * known to be saved and are not read again.
 */
export function createKeyCompletions(
  tenant: TenantConfig,
  store: IdempotencyStore,
  saved: SavedAnswers = new SavedAnswers(),
): KeyCompletions {
  const byStream = new Map<string, StreamIdempotency>();
  for (const stream of Object.values(tenant.streams)) {
    const settings = streamIdempotency(tenant, stream, store);
    settings.persistenceStore.configure({ config: settings.config, keyPrefix: settings.keyPrefix });
    byStream.set(stream.id, settings);
  }

  const completeOne = async (answer: KeyedAnswer): Promise<boolean> => {
    const settings = byStream.get(answer.streamId);
    if (!settings || saved.take(answer)) return false;
    const keyed = { key: answer.key, digest: answer.digest };
    try {
      const record = await settings.persistenceStore.getRecord(keyed);
      if (record.getStatus() !== IdempotencyRecordStatus.INPROGRESS) return false;
    } catch (error) {
      // Gone (it expired, or its first request failed and released it), or taken since by another
      // body after it expired: either way, not this answer's key to complete.
      if (error instanceof IdempotencyItemNotFoundError || error instanceof IdempotencyValidationError) return false;
      throw error;
    }
    // The answer was the work's return value, which Powertools stores as JSON.
    await settings.persistenceStore.saveSuccess(
      keyed,
      answer.answer as Parameters<typeof settings.persistenceStore.saveSuccess>[1],
    );
    return true;
  };

  return {
    async complete(answers) {
      let completed = 0;
      for (const answer of answers) if (await completeOne(answer)) completed += 1;
      return completed;
    },
    async releaseInProgress() {
      const prefixes = [...byStream.values()].map((settings) => `${settings.keyPrefix}#`);
      let released = 0;
      const pages = paginateScan(
        { client: store.client },
        {
          TableName: store.tableName,
          FilterExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': STATUS_ATTRIBUTE },
          ExpressionAttributeValues: { ':inProgress': { S: IdempotencyRecordStatus.INPROGRESS } },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const id = item[IDEMPOTENCY_PARTITION_KEY];
          // Only this tenant's streams: a removed stream's keys may still be in a kept journal.
          if (!id?.S || !prefixes.some((prefix) => id.S?.startsWith(prefix))) continue;
          await store.client.send(
            new DeleteItemCommand({
              TableName: store.tableName,
              Key: { [IDEMPOTENCY_PARTITION_KEY]: id },
              ConditionExpression: '#status = :inProgress',
              ExpressionAttributeNames: { '#status': STATUS_ATTRIBUTE },
              ExpressionAttributeValues: { ':inProgress': { S: IdempotencyRecordStatus.INPROGRESS } },
            }),
          );
          released += 1;
        }
      }
      return released;
    },
  };
}
