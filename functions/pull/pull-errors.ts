/**
 * Why a page could not be fetched, as the runner decides on it: end the run as `failed`,
 * end it as `partial`, or end only the slice. These are not answers of the edge contract
 * (nothing answers an HTTP client here), so they live beside the runner, not in shared/contract/errors.ts.
 * No message carries a secret: URLs in them are shown URLs (query secrets removed).
 */

/** The API refused the credentials (401/403, after one token refresh for OAuth2). */
export class CredentialsRejectedError extends Error {
  override readonly name = 'CredentialsRejectedError';
  /** `answer` says what refused them, e.g. "the API answered 401". */
  constructor(source: string, answer: string) {
    super(`${answer}: check the credentials of source ${source}`);
  }
}

/** A secret could not be read or does not hold what the auth type needs. */
export class SecretUnusableError extends Error {
  override readonly name = 'SecretUnusableError';
  constructor(source: string, secret: string, why: string) {
    super(`secret ${secret} of source ${source} ${why}`);
  }
}

/** The request failed for good: a status that is not retried, or retries exhausted. */
export class PageFailedError extends Error {
  override readonly name: string = 'PageFailedError';
}

/** A pagination link or a redirect leads to an origin the source does not list: nothing is fetched from it. */
export class OriginRefusedError extends PageFailedError {
  override readonly name = 'OriginRefusedError';
  constructor(origin: string, what: 'link' | 'redirect', source: string) {
    super(
      `origin refused: the API's ${what === 'link' ? 'next-page link' : 'redirect'} leads to ${origin}, which is neither ` +
        `the origin of request.url nor in request.allowedOrigins of source ${source}; the source's credentials go ` +
        `only there (list ${origin} in request.allowedOrigins to allow it)`,
    );
  }
}

/** A page's decoded body passed `maxPageBytes`: reading stopped there and nothing of the page is delivered. */
export class PageTooLargeError extends PageFailedError {
  override readonly name = 'PageTooLargeError';
  constructor(limit: number, shown: string) {
    super(`body limit: the page at ${shown} passed maxPageBytes (${limit.toLocaleString('en')} bytes decoded)`);
  }
}

/** Waiting as the API asks would pass the run's time budget: the run ends `partial`. */
export class WaitPastBudgetError extends Error {
  override readonly name = 'WaitPastBudgetError';
  constructor(readonly resumeAt: Date) {
    super(`the API asked to wait until ${resumeAt.toISOString()}, past the run's time budget`);
  }
}

/** Waiting would pass the slice's deadline: the slice ends and the next one waits the rest. */
export class SliceDeadlineError extends Error {
  override readonly name = 'SliceDeadlineError';
  constructor(readonly resumeAt: Date) {
    super(`waiting until ${resumeAt.toISOString()} passes the slice's deadline`);
  }
}

/** A retryable HTTP answer or transport failure; `waitMs` is what the API asked for, if anything. */
export class RetryableRequestError extends Error {
  override readonly name = 'RetryableRequestError';
  constructor(
    message: string,
    readonly waitMs?: number,
  ) {
    super(message);
  }
}
