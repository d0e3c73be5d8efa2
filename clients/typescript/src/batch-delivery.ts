/**
 * Posts one cut batch until it has a final answer: retries 409, 429, 5xx and network errors with
 * the same body and Idempotency-Key, splits it on a 413, asks for a new token once after a 401.
 */
import {
  IDEMPOTENCY_KEY_HEADER,
  INGEST_PATH_PREFIX,
  JSON_CONTENT_TYPE,
  NDJSON_CONTENT_TYPE,
  PAYLOAD_TOO_LARGE_STATUS,
  XML_CONTENT_TYPE,
} from './contract-constants.ts';
import type { ClientStats, Failure, Rejection, RetryNotice } from './delivery-outcome.ts';
import { gzip } from './gzip-body.ts';
import { type Backoff, isRetryableStatus, retryDelay } from './retry-policy.ts';
import type { TokenSource } from './token-source.ts';

/** A batch as it is posted: its key, stream, how it is framed and its records' texts. */
export interface OutgoingBatch {
  readonly key: string;
  readonly stream: string;
  readonly framing: 'ndjson' | 'json' | 'xml';
  readonly records: readonly string[];
}

/** What a delivery needs from its client. */
export interface DeliveryContext {
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly gzipAboveBytes: number;
  readonly requestTimeoutMs: number;
  readonly stats: ClientStats;
  readonly onRejected: (rejection: Rejection) => void;
  readonly onFailed: (failure: Failure) => void;
  readonly onRetry: (notice: RetryNotice) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Whether every record of the batch got a final answer (accepted or rejected). */
export type Delivered = boolean;

const encoder = new TextEncoder();
const CONTENT_TYPE: Record<OutgoingBatch['framing'], string> = {
  ndjson: NDJSON_CONTENT_TYPE,
  json: JSON_CONTENT_TYPE,
  xml: XML_CONTENT_TYPE,
};

/**
 * The records one to a line, without a newline after the last: a batch of one record at the
 * stream's `maxBytes` must fit in `maxBytes`.
 */
function bodyOf(batch: OutgoingBatch): Uint8Array {
  return encoder.encode(batch.framing === 'ndjson' ? batch.records.join('\n') : (batch.records[0] ?? ''));
}

async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

type RejectedEntry = { index: number; errors: unknown };

function rejectedEntries(answer: unknown): RejectedEntry[] | undefined {
  const rejected = (answer as { rejected?: unknown } | null)?.rejected;
  return Array.isArray(rejected) ? (rejected as RejectedEntry[]) : undefined;
}

/** Delivers a batch; resolves true when every record was answered for good. */
export async function deliverBatch(batch: OutgoingBatch, context: DeliveryContext): Promise<Delivered> {
  const body = bodyOf(batch);
  const coded = body.length >= context.gzipAboveBytes ? await gzip(body) : undefined;
  const url = `${context.baseUrl}${INGEST_PATH_PREFIX}${encodeURIComponent(batch.stream)}`;
  let refreshedToken = false;
  let lastReason = '';
  for (let attempt = 1; attempt <= context.maxAttempts; ) {
    const token = await context.tokens.get();
    let response: Response;
    try {
      context.stats.requests += 1;
      response = await context.fetch(url, {
        method: 'POST',
        headers: {
          ...context.headers,
          authorization: `Bearer ${token}`,
          'content-type': CONTENT_TYPE[batch.framing],
          [IDEMPOTENCY_KEY_HEADER]: batch.key,
          ...(coded ? { 'content-encoding': 'gzip' } : {}),
        },
        body: (coded ?? body) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(context.requestTimeoutMs),
      });
    } catch (error) {
      lastReason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      if (attempt >= context.maxAttempts) break;
      const delayMs = retryDelay(attempt, null, context.backoff);
      context.stats.retries += 1;
      context.onRetry({ stream: batch.stream, status: undefined, attempt, delayMs });
      await context.sleep(delayMs);
      attempt += 1;
      continue;
    }
    const answer = await readAnswer(response);
    if (response.ok) {
      const rejected = rejectedEntries(answer) ?? [];
      for (const entry of rejected) reject(batch, entry.index, response.status, entry.errors, context);
      context.stats.accepted += batch.records.length - rejected.length;
      return true;
    }
    if (response.status === 401 && !refreshedToken && context.tokens.refreshable) {
      // An expired or revoked token: one new token, not a retry of the same refusal.
      refreshedToken = true;
      context.tokens.invalidate(token);
      continue;
    }
    if (response.status === PAYLOAD_TOO_LARGE_STATUS && batch.records.length > 1) {
      // Each half has its own key, derived from the batch's, so a resend splits the same way.
      const middle = Math.ceil(batch.records.length / 2);
      const halves = [batch.records.slice(0, middle), batch.records.slice(middle)].map((records, index) => ({
        ...batch,
        key: `${batch.key}.${index}`,
        records,
      }));
      const results = await Promise.all(halves.map((half) => deliverBatch(half, context)));
      return results.every(Boolean);
    }
    if (isRetryableStatus(response.status)) {
      lastReason = String(response.status);
      if (attempt >= context.maxAttempts) break;
      const delayMs = retryDelay(attempt, response.headers.get('retry-after'), context.backoff);
      context.stats.retries += 1;
      context.onRetry({ stream: batch.stream, status: response.status, attempt, delayMs });
      await context.sleep(delayMs);
      attempt += 1;
      continue;
    }
    // Every record of a refused batch is rejected: with its own errors where the problem lists
    // them (a batch with no accepted record), else with the problem itself.
    const perRecord = new Map((rejectedEntries(answer) ?? []).map((entry) => [entry.index, entry.errors]));
    batch.records.forEach((_, index) => {
      reject(batch, index, response.status, perRecord.get(index) ?? answer, context);
    });
    return true;
  }
  context.stats.failed += batch.records.length;
  context.onFailed({ stream: batch.stream, records: batch.records, reason: lastReason });
  return false;
}

function reject(batch: OutgoingBatch, index: number, status: number, problem: unknown, context: DeliveryContext): void {
  const record = batch.records[index];
  if (record === undefined) return;
  context.stats.rejected += 1;
  context.onRejected({ stream: batch.stream, record, status, problem });
}
