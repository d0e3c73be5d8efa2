/** When the client tries a request again: the contract's retryable statuses and network errors, with backoff. */
import { RETRYABLE_STATUSES } from './contract-constants.ts';

/** Whether a status asks for the same request again later (409, 429 and every 5xx). */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.includes(status) || status >= 500;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Backoff settings: the first step and the cap, in milliseconds. */
export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/**
 * The wait before retry `attempt` (1-based): "equal jitter" on a capped exponential step. The
 * random half spreads clients throttled at once; the fixed half makes sure a few retries span a
 * refill of a per-second throttle (full jitter can draw near zero every time).
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const step = Math.min(backoff.capMs, backoff.baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The wait before a retry: what the server asked for (capped), else the backoff. */
export function retryDelay(attempt: number, retryAfter: string | null, backoff: Backoff): number {
  const asked = parseRetryAfter(retryAfter);
  return asked === undefined ? backoffDelay(attempt, backoff) : Math.min(asked, Math.max(backoff.capMs, 60_000));
}
