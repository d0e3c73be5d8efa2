/** When `sluice send` tries again: exponential backoff with jitter, or what `Retry-After` says. */

/** Statuses worth another attempt: throttled, or a server-side failure. */
export function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Seconds or an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `attempt` (1-based): "equal jitter", half of the exponential
 * step fixed and half random, so retries spread out but never all fire at once.
 */
export function backoffDelay(attempt: number, baseMs = 200, capMs = 10_000, random = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}
