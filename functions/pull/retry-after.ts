/**
 * How long a 429 or 503 asks the client to wait: `Retry-After` (RFC 9110 §10.2.3: delay
 * seconds or an HTTP date), else `RateLimit-Reset` (IETF draft: seconds) or `X-RateLimit-Reset`
 * (GitHub and many others: epoch seconds; some send seconds, told apart by size).
 *
 * Parsed strictly and clamped, because the value comes from the API and feeds a Date and a
 * timer: `Date.parse` accepts almost anything ("1" is the year 2001), a huge number of seconds
 * becomes an Invalid Date (which no comparison catches) and setTimeout turns a delay over 2^31
 * ms into 1 ms. What cannot be read is ignored (the runner's own backoff applies); a wait in
 * the past is 0; a wait longer than {@link MAX_REQUESTED_WAIT_MS} is that long, which is past
 * any run's budget, so the run ends `partial` and the next run waits the rest.
 */

/** The longest wait taken from an answer: a day, longer than any run's budget. */
export const MAX_REQUESTED_WAIT_MS = 24 * 60 * 60_000;

// Anything this large is an epoch time, not a delay: 10^9 seconds is 2001, and no API asks
// a client to wait 31 years.
const EPOCH_SECONDS_FROM = 1_000_000_000;

// delay-seconds is 1*DIGIT; fractions are not in the grammar but some APIs send them.
const SECONDS = /^\d{1,20}(\.\d{1,9})?$/;
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three HTTP-date forms a recipient must accept: IMF-fixdate, RFC 850 and asctime. */
const HTTP_DATE = [
  new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`),
  new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`),
  new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`),
];

function seconds(value: string): number | undefined {
  return SECONDS.test(value) ? Number(value) : undefined;
}

function httpDate(value: string): number | undefined {
  if (!HTTP_DATE.some((form) => form.test(value))) return undefined;
  // asctime carries no zone; HTTP dates are always UTC.
  const at = Date.parse(value.endsWith('GMT') ? value : `${value} GMT`);
  return Number.isFinite(at) ? at : undefined;
}

function retryAfterMs(value: string, now: Date): number | undefined {
  const delay = seconds(value);
  if (delay !== undefined) return delay * 1000;
  const at = httpDate(value);
  return at === undefined ? undefined : at - now.getTime();
}

function resetMs(value: string, now: Date): number | undefined {
  const reset = seconds(value);
  if (reset === undefined) return undefined;
  return reset >= EPOCH_SECONDS_FROM ? reset * 1000 - now.getTime() : reset * 1000;
}

/** Milliseconds the answer asks to wait, in [0, MAX_REQUESTED_WAIT_MS], or undefined when it says nothing readable. */
export function requestedWaitMs(headers: Headers, now: Date): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  const reset = (headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset'))?.trim();
  const wait =
    (retryAfter === undefined ? undefined : retryAfterMs(retryAfter, now)) ??
    (reset === undefined ? undefined : resetMs(reset, now));
  if (wait === undefined || Number.isNaN(wait)) return undefined;
  return Math.min(MAX_REQUESTED_WAIT_MS, Math.max(0, Math.ceil(wait)));
}
