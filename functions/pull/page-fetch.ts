/**
 * One page request with its retries. p-retry runs the loop (attempt count, which failures
 * consume a retry, aborting on a non-retryable error); the delay between attempts is ours,
 * because p-retry's backoff knows neither full jitter nor a server's `Retry-After`, and
 * because a wait must first be checked against the run's budget and the slice's deadline.
 * p-throttle spaces the requests (retries included) so that they never exceed `perSecond`.
 */
import pRetry, { AbortError } from 'p-retry';
import pThrottle from 'p-throttle';
import type { SourceConfig } from '#shared/config/source-config';
import {
  CredentialsRejectedError,
  PageFailedError,
  RetryableRequestError,
  SliceDeadlineError,
  WaitPastBudgetError,
} from './pull-errors.ts';
import { requestedWaitMs } from './retry-after.ts';
import type { SourceAuthenticator } from './source-auth.ts';

/** Retries of one request after a 5xx, a timeout or a connection error (waits the API asks for do not count). */
export const MAX_RETRIES = 5;
/** Backoff of the first retry, doubled each time up to the cap; each wait is drawn in [0, backoff). */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/** A request before credentials are added. */
export interface PageRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A 2xx answer, read whole. */
export interface PageResponse {
  readonly headers: Headers;
  readonly text: string;
  readonly fetchedAt: Date;
}

/** Counters the fetcher adds to. */
export interface FetchCounters {
  retries: number;
  waits: number;
}

/** What the fetcher needs for one slice. */
export interface PageFetcherOptions {
  readonly source: SourceConfig;
  readonly auth: SourceAuthenticator;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** The run's time budget ends then: a wait past it ends the run `partial`. */
  readonly budgetEnd: Date;
  /** The slice ends then: a wait past it ends the slice. */
  readonly sliceEnd: Date;
  readonly counters: FetchCounters;
}

/** The URL as it may be shown or stored: without query parameters that carry a secret. */
export function shownUrl(url: URL | string, secretParams: readonly string[]): string {
  const copy = new URL(url);
  for (const name of secretParams) copy.searchParams.delete(name);
  return copy.toString();
}

type Throttle = <T>(run: () => Promise<T>) => Promise<T>;

function throttleFor(source: SourceConfig): Throttle {
  const perSecond = source.rateLimit?.perSecond;
  if (perSecond === undefined) return (run) => run();
  // One request per interval, spaced evenly (strict): never more than perSecond in any second.
  const throttled = pThrottle({ limit: 1, interval: 1000 / perSecond, strict: true })((run: () => Promise<unknown>) =>
    run(),
  );
  return (run) => throttled(run) as ReturnType<typeof run>;
}

/** Fetches pages of one source, one slice long. */
export class PageFetcher {
  private readonly throttle: Throttle;

  constructor(private readonly options: PageFetcherOptions) {
    this.throttle = throttleFor(options.source);
  }

  /** Fetches one page; throws the typed errors of pull-errors.ts. */
  async fetch(request: PageRequest): Promise<PageResponse> {
    const shown = shownUrl(request.url, this.options.auth.secretQueryParams);
    const state = { refreshed: false };
    const attempt = async (): Promise<PageResponse> => {
      try {
        return this.classify(await this.send(request, shown), shown, state);
      } catch (error) {
        if (error instanceof RetryableRequestError) throw error;
        throw new AbortError(error as Error);
      }
    };
    try {
      return await pRetry(attempt, {
        retries: MAX_RETRIES,
        minTimeout: 0,
        shouldConsumeRetry: ({ error }) => !(error instanceof RetryableRequestError && (error.waitMs ?? 0) > 0),
        shouldRetry: ({ error }) => error instanceof RetryableRequestError,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => this.beforeRetry(error, attemptNumber, retriesLeft),
      });
    } catch (error) {
      if (error instanceof RetryableRequestError) {
        throw new PageFailedError(`${error.message}; gave up after ${MAX_RETRIES} retries`, error.end);
      }
      throw error;
    }
  }

  private classify(answer: RawAnswer, shown: string, state: { refreshed: boolean }): PageResponse {
    const { source, auth } = this.options;
    const { status } = answer;
    if (status === 401 && auth.canRefresh && !state.refreshed) {
      // An OAuth2 token can expire or be revoked before its `expires_in`: one fresh token, once.
      state.refreshed = true;
      auth.invalidateToken();
      throw new RetryableRequestError(`the API answered 401 for ${shown}`, 0);
    }
    if (status === 401 || status === 403) throw new CredentialsRejectedError(source.name, `the API answered ${status}`);
    if (status === 429 || status === 503) {
      const wait = requestedWaitMs(answer.headers, answer.fetchedAt);
      throw new RetryableRequestError(`the API answered ${status} for ${shown}`, wait);
    }
    if (status >= 500 || status === 408) throw new RetryableRequestError(`the API answered ${status} for ${shown}`);
    if (status < 200 || status > 299) throw new PageFailedError(`the API answered ${status} for ${shown}`);
    return { headers: answer.headers, text: answer.text, fetchedAt: answer.fetchedAt };
  }

  private async beforeRetry(error: Error, attemptNumber: number, retriesLeft: number): Promise<void> {
    if (!(error instanceof RetryableRequestError)) return;
    const asked = error.waitMs;
    if (asked === undefined && retriesLeft === 0) return;
    const { counters, now } = this.options;
    const wait = asked ?? this.options.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attemptNumber - 1));
    const resumeAt = new Date(now().getTime() + wait);
    if (asked !== undefined && asked > 0 && resumeAt > this.options.budgetEnd) throw new WaitPastBudgetError(resumeAt);
    if (resumeAt > this.options.sliceEnd) throw new SliceDeadlineError(resumeAt, (asked ?? 0) > 0, error.message);
    counters.retries += 1;
    if (asked !== undefined && asked > 0) counters.waits += 1;
    if (wait > 0) await this.options.sleep(wait);
  }

  private async send(request: PageRequest, shown: string): Promise<RawAnswer> {
    const { source, auth } = this.options;
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    await auth.apply(url, headers);
    const timeoutSeconds = source.request.timeoutSeconds;
    return this.throttle(async () => {
      try {
        const response = await this.options.fetch(url, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(timeoutSeconds * 1000),
        });
        // The timeout covers the body too: a server that stalls mid-page is a timeout like any other.
        const text = await response.text();
        return { status: response.status, headers: response.headers, text, fetchedAt: this.options.now() };
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new RetryableRequestError(
          timedOut ? `no answer from ${shown} within ${timeoutSeconds} s` : `could not reach ${shown}`,
          undefined,
          timedOut ? 'timeout' : 'unreachable',
        );
      }
    });
  }
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly fetchedAt: Date;
}
