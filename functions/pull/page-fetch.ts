/**
 * One page request with its retries. p-retry runs the loop (attempt count, which failures
 * consume a retry, aborting on a non-retryable error); the delay between attempts is ours,
 * because p-retry's backoff knows neither full jitter nor a server's `Retry-After`, and
 * because a wait must first be checked against the run's budget and the slice's deadline.
 * p-throttle spaces the requests (retries included) so that they never exceed `perSecond`.
 */
import { Buffer } from 'node:buffer';
import pRetry, { AbortError } from 'p-retry';
import pThrottle from 'p-throttle';
import type { SourceConfig } from '#shared/config/source-config';
import {
  CredentialsRejectedError,
  OriginRefusedError,
  PageFailedError,
  PageTooLargeError,
  RetryableRequestError,
  RunEndingError,
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

/** Redirects one request may follow, each checked against the source's origins. */
export const MAX_REDIRECTS = 5;

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
  /** The UTF-8 bytes `text` was decoded from (a BOM dropped), when nothing in it was redacted. */
  readonly bytes?: Uint8Array;
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
export function shownUrl(url: URL, secretParams: readonly string[]): string {
  if (secretParams.length === 0) return url.href;
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

/** The origins a source's requests, with its credentials, may go to: its `request.url`'s and those it lists. */
export function allowedOrigins(source: SourceConfig): ReadonlySet<string> {
  return new Set([new URL(source.request.url).origin, ...source.request.allowedOrigins]);
}

// Reads a body up to `limit` decoded bytes (fetch has already undone gzip or deflate, chunk by
// chunk, so a bomb is stopped after `limit` bytes, not after it was inflated whole). The chunks
// are decoded once, together: decoding each as a stream took longer than parsing.
async function boundedBody(response: Response, limit: number, shown: string): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PageTooLargeError(limit, shown);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, bytes);
}

/** The bytes after a leading UTF-8 byte order mark, which TextDecoder drops. */
function withoutBom(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/**
 * The text of UTF-8 bytes as `TextDecoder` gives it (a leading BOM dropped, each invalid
 * sequence one U+FFFD), decoded by Buffer, which on Node 20 does it in less time than
 * TextDecoder (docs/performance.md).
 */
export function utf8Text(bytes: Uint8Array): string {
  const text = withoutBom(bytes);
  return Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
}

const isRedirect = (status: number) =>
  status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

/** Fetches pages of one source, one slice long. */
export class PageFetcher {
  private readonly throttle: Throttle;
  private readonly origins: ReadonlySet<string>;

  constructor(private readonly options: PageFetcherOptions) {
    this.throttle = throttleFor(options.source);
    this.origins = allowedOrigins(options.source);
  }

  /** Fetches one page; throws the typed errors of pull-errors.ts. */
  async fetch(request: PageRequest): Promise<PageResponse> {
    // A link the API gave (next URL, Link header) is checked before anything is sent to it.
    this.checkOrigin(request.url, 'link');
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
    // GitHub signals its primary rate limit with 403 and no requests remaining: a wait, not bad credentials.
    if (status === 403 && answer.headers.get('x-ratelimit-remaining')?.trim() === '0') {
      const wait = requestedWaitMs(answer.headers, answer.fetchedAt);
      throw new RetryableRequestError(`the API answered 403 with no requests remaining for ${shown}`, wait);
    }
    if (status === 401 || status === 403) throw new CredentialsRejectedError(source.name, `the API answered ${status}`);
    if (status === 429 || status === 503) {
      const wait = requestedWaitMs(answer.headers, answer.fetchedAt);
      throw new RetryableRequestError(`the API answered ${status} for ${shown}`, wait);
    }
    if (status >= 500 || status === 408) throw new RetryableRequestError(`the API answered ${status} for ${shown}`);
    if (status < 200 || status > 299) throw new PageFailedError(`the API answered ${status} for ${shown}`);
    const { headers, text, bytes, fetchedAt } = answer;
    return { headers, text, ...(bytes === undefined ? {} : { bytes }), fetchedAt };
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

  private checkOrigin(url: URL, what: 'link' | 'redirect'): void {
    if (!this.origins.has(url.origin)) throw new OriginRefusedError(url.origin, what, this.options.source.name);
  }

  // Redirects are followed here, not by fetch: fetch would drop `Authorization` on another origin
  // but send an API-key header or query parameter there all the same.
  private async send(request: PageRequest, shown: string): Promise<RawAnswer> {
    const { source } = this.options;
    const timeoutSeconds = source.request.timeoutSeconds;
    return this.throttle(async () => {
      // One timeout for the whole exchange, redirects and body included: a server that stalls
      // mid-page is a timeout like any other.
      const signal = AbortSignal.timeout(timeoutSeconds * 1000);
      try {
        let current: PageRequest = request;
        for (let redirects = 0; ; redirects += 1) {
          const response = await this.sendOnce(current, signal);
          const location = response.headers.get('location');
          if (!isRedirect(response.status) || location === null) {
            // An API that echoes the request must not put a secret into what is landed or dead-lettered.
            const body = await boundedBody(response, source.maxPageBytes, shown);
            const decoded = utf8Text(body);
            const text = this.options.auth.redact(decoded);
            return {
              status: response.status,
              headers: response.headers,
              text,
              // Only when nothing was redacted are the bytes still the text's.
              ...(text === decoded ? { bytes: withoutBom(body) } : {}),
              fetchedAt: this.options.now(),
            };
          }
          await response.body?.cancel().catch(() => undefined);
          if (redirects >= MAX_REDIRECTS)
            throw new PageFailedError(`more than ${MAX_REDIRECTS} redirects from ${shown}`);
          const target = new URL(location, current.url);
          this.checkOrigin(target, 'redirect');
          // 303 (and 301/302 after a POST, as browsers do) go on as a GET without the body.
          const asGet =
            response.status === 303 ||
            ((response.status === 301 || response.status === 302) && current.method === 'POST');
          current = asGet ? { url: target, method: 'GET', headers: request.headers } : { ...current, url: target };
        }
      } catch (error) {
        // The runner's own errors (a refused origin, a page over its cap, a secret that cannot be
        // read, a token endpoint's answer) go on as they are; anything else is the transport's.
        if (error instanceof RunEndingError || error instanceof RetryableRequestError) throw error;
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new RetryableRequestError(
          timedOut ? `no answer from ${shown} within ${timeoutSeconds} s` : `could not reach ${shown}`,
          undefined,
          timedOut ? 'timeout' : 'unreachable',
        );
      }
    });
  }

  private async sendOnce(request: PageRequest, signal: AbortSignal): Promise<Response> {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    await this.options.auth.apply(url, headers);
    return this.options.fetch(url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal,
    });
  }
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly bytes?: Uint8Array;
  readonly fetchedAt: Date;
}
