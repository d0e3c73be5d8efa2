/**
 * Why a page could not be fetched, as the runner decides on it: end the run (each
 * {@link RunEndingError} names its end kind in shared/pull/run-ends.ts, which gives the
 * status), or end only the slice. These are not answers of the edge contract (nothing answers
 * an HTTP client here), so they live beside the runner, not in shared/contract/errors.ts.
 * No message carries a secret: URLs in them are shown URLs (query secrets removed).
 *
 * A new refusal (a body over its cap, an origin the config does not allow, ...) is a subclass
 * of RunEndingError with its `end`; the runner ends the run with it and needs no change.
 */
import type { RunEnd } from '#shared/pull/run-ends';

/** An error that ends the run the way its `end` kind says; the message is the summary's reason. */
export abstract class RunEndingError extends Error {
  abstract readonly end: RunEnd;
}

/** The API refused the credentials (401/403, after one token refresh for OAuth2). */
export class CredentialsRejectedError extends RunEndingError {
  override readonly name = 'CredentialsRejectedError';
  readonly end = 'credentials refused';
  /** `answer` says what refused them, e.g. "the API answered 401". */
  constructor(source: string, answer: string) {
    super(`${answer}: check the credentials of source ${source}`);
  }
}

/** A secret could not be read or does not hold what the auth type needs. */
export class SecretUnusableError extends RunEndingError {
  override readonly name = 'SecretUnusableError';
  readonly end = 'credentials refused';
  constructor(source: string, secret: string, why: string) {
    super(`secret ${secret} of source ${source} ${why}`);
  }
}

/** The request failed for good: a status that is not retried, or retries exhausted (`end` says which failure). */
export class PageFailedError extends RunEndingError {
  override readonly name: string = 'PageFailedError';
  constructor(
    message: string,
    readonly end: RunEnd = 'http error',
  ) {
    super(message);
  }
}

/** A pagination link or a redirect leads to an origin the source does not list: nothing is fetched from it. */
export class OriginRefusedError extends PageFailedError {
  override readonly name = 'OriginRefusedError';
  constructor(origin: string, what: 'link' | 'redirect', source: string) {
    super(
      `origin refused: the API's ${what === 'link' ? 'next-page link' : 'redirect'} leads to ${origin}, which is neither ` +
        `the origin of request.url nor in request.allowedOrigins of source ${source}; the source's credentials go ` +
        `only there (list ${origin} in request.allowedOrigins to allow it)`,
      'origin refused',
    );
  }
}

/** A page's decoded body passed `maxPageBytes`: reading stopped there and nothing of the page is delivered. */
export class PageTooLargeError extends PageFailedError {
  override readonly name = 'PageTooLargeError';
  constructor(limit: number, shown: string) {
    super(
      `body limit: the page at ${shown} passed maxPageBytes (${limit.toLocaleString('en')} bytes decoded)`,
      'body limit',
    );
  }
}

/** Characters of a foreign error's message kept in a reason: a summary is stored and printed, so it stays bounded. */
const FOREIGN_MESSAGE_CHARS = 300;

/** The message of an error the runner did not raise itself, cut to {@link FOREIGN_MESSAGE_CHARS}. */
export function foreignMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > FOREIGN_MESSAGE_CHARS ? `${message.slice(0, FOREIGN_MESSAGE_CHARS)}…` : message;
}

/** The state store failed a write of the run's progress (not a lost lease: an outage, a throttle, a refused item). */
export class StateNotSavedError extends RunEndingError {
  override readonly name = 'StateNotSavedError';
  readonly end = 'state not saved';
  constructor(source: string, cause: unknown) {
    super(
      `state not saved: the state store did not save the progress of source ${source} ` +
        `(${foreignMessage(cause)}); the next run continues from the last committed page`,
      { cause },
    );
  }
}

/** Waiting as the API asks would pass the run's time budget: the run ends `partial`, and the next one waits the rest. */
export class WaitPastBudgetError extends RunEndingError {
  override readonly name = 'WaitPastBudgetError';
  readonly end = 'rate limit';
  constructor(readonly resumeAt: Date) {
    super(`the API asked to wait until ${resumeAt.toISOString()}, past the run's time budget`);
  }
}

/** Waiting would pass the slice's deadline: the slice ends and the next one waits the rest. */
export class SliceDeadlineError extends Error {
  override readonly name = 'SliceDeadlineError';
  /**
   * `askedByApi`: the API asked for the wait (Retry-After and the like), else it is our backoff
   * before a retry; `after` is what failed, so that a run that then runs out of budget says so.
   */
  constructor(
    readonly resumeAt: Date,
    readonly askedByApi = true,
    readonly after = 'the API asked to wait',
  ) {
    super(`waiting until ${resumeAt.toISOString()} passes the slice's deadline`);
  }
}

/** A retryable HTTP answer or transport failure; `waitMs` is what the API asked for, if anything. */
export class RetryableRequestError extends Error {
  override readonly name = 'RetryableRequestError';
  /** `end`: how the run ends when every retry fails so. */
  constructor(
    message: string,
    readonly waitMs?: number,
    readonly end: RunEnd = 'http error',
  ) {
    super(message);
  }
}
