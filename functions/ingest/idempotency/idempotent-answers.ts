/**
 * Idempotency-Key: a post with the header is answered at most once per tenant, stream and key
 * within the stream's window; a repeat gets the first answer again, marked
 * `Idempotent-Replayed: true`, and delivers nothing.
 *
 * Built on Powertools' idempotency utility (makeIdempotent over the DynamoDB persistence
 * layer), which gives the conditional put of an in-progress record, the stored answer, the
 * payload check and the release of the key when the work throws. What it does not express,
 * and how it is covered here:
 * - Its window is set per persistence layer, not per call: each stream gets its own layer.
 * - It stores only what the work returns and releases the key on anything thrown, while the
 *   contract holds the key for refusals too (a 400 or 413 is a first answer): the work turns
 *   a non-retryable contract error into its problem response and returns it, and throws only
 *   what the contract tells the client to retry (409, 429 and 5xx), so those release the key.
 * - It cannot say how long an in-flight first request has left: the 409 carries a fixed
 *   `Retry-After` (IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS).
 * A first request whose Lambda dies leaves its record in progress only until the time the
 * Lambda had left when it started (Powertools' in-progress expiry), then the key is free.
 */
import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { ResponseHook } from '@aws-lambda-powertools/idempotency/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { asSluiceError, problemResponse } from '#functions/shared/problem-response';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import {
  CONTRACT_STATUSES,
  IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
} from '#shared/contract/contract';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from '#shared/contract/errors';
import { IDEMPOTENCY_EXPIRY_ATTRIBUTE, IDEMPOTENCY_PARTITION_KEY } from '#shared/contract/idempotency-table';
import type { IngestRequest } from '../ingest-request.ts';
import { logProblem } from '../problem-middleware.ts';
import { assertTenant, bodyBytes, findStream } from '../request-guards.ts';
import { assertValidIdempotencyKey } from './idempotency-key.ts';
import { isReplayed } from './replayed-answer.ts';

/** An answer of the ingest function. */
export type IngestAnswer = APIGatewayProxyStructuredResultV2;

/** Where the keys are kept: a DynamoDB table (on AWS, or the embedded one of local mode). */
export interface IdempotencyStore {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Called once a first request's answer is saved under its key (not for a replay). Local mode
   * uses it to skip re-reading those keys when their journaled records land (key-completions.ts).
   */
  readonly onAnswerSaved?: (keyed: KeyedWork) => void;
}

/** What Powertools hashes: the key is the record's id, the body's digest its payload check. */
export interface KeyedRequest {
  readonly key: string;
  readonly digest: string;
}

/**
 * The work behind a key: given the key it answers for, so that its delivery can carry the
 * answer with the records (local mode journals them together, see key-completions.ts).
 */
type Work = (keyed?: KeyedWork) => Promise<IngestAnswer>;
type AnswerOnce = (keyed: KeyedRequest, work: () => Promise<IngestAnswer>) => Promise<IngestAnswer>;

/** The key a first request answers for: its stream, header value and body digest. */
export interface KeyedWork extends KeyedRequest {
  readonly streamId: string;
}

const retryableStatuses: ReadonlySet<number> = new Set(
  CONTRACT_STATUSES.filter((row) => row.retry).map((row) => row.status),
);

/** Answers a request at most once per key; requests without the header are answered as they come. */
export type IdempotentAnswers = (request: IngestRequest, context: Context, work: Work) => Promise<IngestAnswer>;

/** The digest the key's body is compared by: SHA-256 of the bytes as posted, after the transport's base64. */
function bodyDigest(request: IngestRequest): string {
  return createHash('sha256').update(bodyBytes(request)).digest('base64');
}

// Powertools types stored answers as JSON values; ours are the answers the work returned.
const replayed: ResponseHook = (answer) => {
  const stored = answer as IngestAnswer;
  return {
    ...stored,
    headers: { ...stored.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' },
  } as ReturnType<ResponseHook>;
};

/** A stream's idempotency settings and persistence layer: one per stream, since the window is the layer's. */
export interface StreamIdempotency {
  readonly config: IdempotencyConfig;
  readonly persistenceStore: DynamoDBPersistenceLayer;
  /** Readable ids (`<tenant>#<stream>#<hash of the key>`) without the key itself. */
  readonly keyPrefix: string;
}

/** The settings the gate uses for a stream; key-completions.ts saves answers with the same ones. */
export function streamIdempotency(
  tenant: TenantConfig,
  stream: StreamConfig,
  store: IdempotencyStore,
): StreamIdempotency {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'digest',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: stream.idempotency.windowSeconds,
    hashFunction: 'sha256',
    responseHook: replayed,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: store.tableName,
    awsSdkV3Client: store.client,
    keyAttr: IDEMPOTENCY_PARTITION_KEY,
    expiryAttr: IDEMPOTENCY_EXPIRY_ATTRIBUTE,
  });
  return { config, persistenceStore, keyPrefix: `${tenant.tenant}#${stream.id}` };
}

function streamAnswers({ config, persistenceStore, keyPrefix }: StreamIdempotency): AnswerOnce {
  return makeIdempotent((_keyed: KeyedRequest, work: () => Promise<IngestAnswer>) => work(), {
    persistenceStore,
    config,
    keyPrefix,
    dataIndexArgument: 0,
  }) as AnswerOnce;
}

/** Builds the Idempotency-Key gate of a tenant's ingest function over a store. */
export function createIdempotentAnswers(tenant: TenantConfig, store: IdempotencyStore, logger: Logger) {
  const byStream = new Map<string, { readonly config: IdempotencyConfig; readonly answerOnce: AnswerOnce }>();
  for (const stream of Object.values(tenant.streams)) {
    const settings = streamIdempotency(tenant, stream, store);
    byStream.set(stream.id, { config: settings.config, answerOnce: streamAnswers(settings) });
  }

  const answers: IdempotentAnswers = async (request, context, work) => {
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return work();
    assertValidIdempotencyKey(key);
    // A request for an unknown stream or another tenant never takes a key.
    const stream = findStream(tenant, request.streamId);
    assertTenant(tenant, request);
    const gate = byStream.get(stream.id);
    // Every stream of the tenant has one; anything else would be a bug, not a client's error.
    if (gate === undefined) throw new Error(`no Idempotency-Key gate for stream ${stream.id}`);
    // Powertools keeps the context on the config; it reads the Lambda's remaining time from it
    // when it writes the in-progress record, before the work starts.
    gate.config.registerLambdaContext(context);
    const keyed = { key, digest: bodyDigest(request) };
    const firstAnswer = async () => {
      try {
        return await work({ ...keyed, streamId: stream.id });
      } catch (error) {
        const refusal = asSluiceError(error);
        if (retryableStatuses.has(refusal.status)) throw error;
        logProblem(logger, refusal, error, request.requestId, stream.id);
        return problemResponse(refusal, request.requestId);
      }
    };
    try {
      const answer = await gate.answerOnce(keyed, firstAnswer);
      if (isReplayed(answer)) {
        logger.info('request replayed', {
          status: answer.statusCode,
          stream: stream.id,
          request_id: request.requestId,
        });
      } else {
        // Powertools returns a first answer only after it saved it.
        store.onAnswerSaved?.({ ...keyed, streamId: stream.id });
      }
      return answer;
    } catch (error) {
      // Not found: the first request's record was released between the put and the read.
      if (error instanceof IdempotencyAlreadyInProgressError || error instanceof IdempotencyItemNotFoundError) {
        throw new IdempotencyKeyInFlightError(
          'A request with this Idempotency-Key is still in flight. Retry after it answered.',
          IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS,
        );
      }
      if (error instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReusedError(
          `This Idempotency-Key was used for a different body on stream ${stream.id} within the last ${stream.idempotency.windowSeconds} s; use a new key for a new body.`,
        );
      }
      throw error;
    }
  };
  return answers;
}
