/**
 * Delivery of one call's worth of entries with the retries the SDK does not do.
 *
 * The SDK's standard retry mode already retries a whole call that was throttled or failed
 * with a 5xx, so this code does not. What it cannot see is a *partial* failure: Firehose
 * `PutRecordBatch` and Kinesis `PutRecords` answer 200 with `FailedPutCount` /
 * `FailedRecordCount` and an error code per failed entry. Those entries, and only those, are
 * sent again here, with exponential backoff and full jitter, until every entry is
 * acknowledged, the attempts run out or the next wait would leave less than
 * {@link RETRY_CALL_RESERVE_MS} before the deadline. Entries that were acknowledged are never
 * sent twice. Giving up early answers what the entries earned (429 or 503); a retry that starts
 * at the deadline would only turn that into a 504.
 */

import { DownstreamThrottledError } from '#shared/contract/errors';
import type { DeliveryReport } from '#shared/ports/delivery-port';
import { type DeadlineSignal, sleep, withinDeadline } from './deadline.ts';
import { callFailureError, entryFailureError, isThrottleCode } from './downstream-errors.ts';

/** Backoff of the entry retries. */
export interface RetryPolicy {
  /** Attempts per entry, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Source of jitter in [0, 1); tests may fix it. */
  readonly random?: () => number;
}

/** Default backoff: up to 6 attempts, waits of at most 0.1, 0.2, 0.4, 0.8, 1.6 s (full jitter). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Time a retry must have left after its wait; a call with less would most likely be cut off at the deadline. */
export const RETRY_CALL_RESERVE_MS = 100;

/** Sends entries in one call; answers each entry's error code in order, `undefined` when acknowledged. */
export type EntrySender<E> = (
  entries: readonly E[],
  signal: DeadlineSignal,
) => Promise<readonly (string | undefined)[]>;

/** One entry's answer in a batch response: an error code, or the id that acknowledges it. */
export interface EntryResult {
  readonly ErrorCode?: string | undefined;
}

/**
 * Each entry's error code from a batch response, `undefined` for an acknowledged one. An entry
 * the response says nothing about is not acknowledged: it counts as `InternalFailure`.
 */
export function entryErrorCodes<R extends EntryResult>(
  count: number,
  failedCount: number | undefined,
  results: readonly R[] | undefined,
  acknowledged: (result: R) => boolean,
): (string | undefined)[] {
  const codes: (string | undefined)[] = new Array(count).fill(undefined);
  if (!failedCount) return codes;
  for (let index = 0; index < count; index++) {
    const result = results?.[index];
    codes[index] = result?.ErrorCode || (result && acknowledged(result) ? undefined : 'InternalFailure');
  }
  return codes;
}

/** The wait before retry number `retry` (0-based): full jitter over an exponential cap. */
export function fullJitterDelay(retry: number, policy: RetryPolicy): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor((policy.random ?? Math.random)() * cap);
}

/**
 * Sends `entries` with {@link EntrySender}, retrying failed entries alone. Resolves when every
 * entry was acknowledged; otherwise throws DownstreamThrottledError, DownstreamUnavailableError,
 * DeadlineExceededError or InternalError.
 */
export async function sendWithEntryRetries<E>(
  entries: readonly E[],
  send: EntrySender<E>,
  options: {
    readonly service: string;
    readonly deadlineAt: number;
    readonly policy: RetryPolicy;
    readonly report?: DeliveryReport | undefined;
  },
): Promise<void> {
  let pending = entries;
  for (let attempt = 1; ; attempt++) {
    let codes: readonly (string | undefined)[];
    try {
      codes = await withinDeadline(options.deadlineAt, (signal) => send(pending, signal));
    } catch (error) {
      const failure = callFailureError(error, options.service);
      if (failure instanceof DownstreamThrottledError) options.report?.throttled(pending.length);
      throw failure;
    }
    const failed: E[] = [];
    const failedCodes: (string | undefined)[] = [];
    pending.forEach((entry, index) => {
      const code = codes[index];
      if (code !== undefined) {
        failed.push(entry);
        failedCodes.push(code);
      }
    });
    if (failed.length === 0) return;
    const throttled = failedCodes.filter(isThrottleCode).length;
    if (throttled > 0) options.report?.throttled(throttled);
    const delay = fullJitterDelay(attempt - 1, options.policy);
    const failure = entryFailureError(failedCodes, options.service);
    if (attempt >= options.policy.maxAttempts || Date.now() + delay + RETRY_CALL_RESERVE_MS > options.deadlineAt) {
      throw failure;
    }
    await sleep(delay);
    // A wait can still overrun (a busy event loop); the entries' own failure then stands.
    if (Date.now() >= options.deadlineAt) throw failure;
    options.report?.retried(failed.length);
    pending = failed;
  }
}
