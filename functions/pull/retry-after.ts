/**
 * How long a 429 or 503 asks the client to wait: `Retry-After` (RFC 9110: seconds or an HTTP
 * date), else `RateLimit-Reset` (IETF draft: seconds) or `X-RateLimit-Reset` (GitHub and many
 * others: epoch seconds; some send seconds, told apart by size).
 */

// Anything this large is an epoch time, not a delay: 10^9 seconds is 2001, and no API asks
// a client to wait 31 years.
const EPOCH_SECONDS_FROM = 1_000_000_000;

function secondsOrDate(value: string, now: Date): number | undefined {
  const trimmed = value.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : at - now.getTime();
}

function resetSeconds(value: string, now: Date): number | undefined {
  const trimmed = value.trim();
  if (!/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  return seconds >= EPOCH_SECONDS_FROM ? seconds * 1000 - now.getTime() : seconds * 1000;
}

/** Milliseconds the answer asks to wait (never negative), or undefined when it says nothing. */
export function requestedWaitMs(headers: Headers, now: Date): number | undefined {
  const retryAfter = headers.get('retry-after');
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  const wait =
    (retryAfter === null ? undefined : secondsOrDate(retryAfter, now)) ??
    (reset === null ? undefined : resetSeconds(reset, now));
  return wait === undefined ? undefined : Math.max(0, Math.ceil(wait));
}
