/**
 * The pull runner: one run of a source, page by page, in slices (a Lambda invocation each on
 * AWS; one long slice after another locally). A page's position is committed only after the
 * delivery stream acknowledged every record of the page, so a run killed at any moment resumes
 * at its last committed page and lands twice at most the page in flight. The lease keeps one
 * run per source; every write is conditional on it and on the state's version.
 *
 * Every run ends: each end is a kind of shared/pull/run-ends.ts. A wait the API asks for past
 * the run's budget ends it `partial` and is kept for the next run; a wait past the slice's end
 * ends the slice with the time to resume (a Wait state on AWS, a timer locally) instead of
 * spinning; a stop signal ends the run `partial` with its progress saved and its lease
 * released; a source whose lease another run holds is a skipped tick, not a failure. Whatever
 * fails after the lease is taken releases it (the run ends `failed` where the store still writes).
 * What a page would have the run save is checked against the state limits before the page is
 * delivered, and records an earlier run landed at the saved cursor are skipped (boundary-ids.ts).
 */
import { MeteredDelivery } from '#functions/metrics/metered-delivery';
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';
import {
  LeaseLostError,
  type PullStateStore,
  type RunProgress,
  type RunSummary,
  type SecretReader,
  SourceBusyError,
  type SourceState,
} from '#shared/pull/pull-run';
import { type RunEnd, SKIPPED_BUSY, statusOf } from '#shared/pull/run-ends';
import { advanceBoundary, idsAtCursor, landedAtSavedCursor } from './boundary-ids.ts';
import { higherCursor, lowerBound } from './incremental-cursor.ts';
import { PageFetcher, type PageResponse, shownUrl } from './page-fetch.ts';
import { pageRecords } from './page-records.ts';
import { nextPosition, pageRequest, requestKey } from './pagination.ts';
import { pullDeadLetterLine } from './pull-dead-letter.ts';
import {
  foreignMessage,
  PageFailedError,
  RunEndingError,
  SliceDeadlineError,
  StateNotSavedError,
  WaitPastBudgetError,
} from './pull-errors.ts';
import { recordRunMetrics, recordSkippedBusy } from './pull-metrics.ts';
import { SourceAuthenticator } from './source-auth.ts';
import { seenWith, stateLimitProblem } from './state-size-check.ts';

/** A lease outlives its slice's deadline by this plus one request timeout (the page in flight). */
const LEASE_MARGIN_MS = 60_000;
/** How long the delivery stream may take to acknowledge one page. */
const DELIVERY_DEADLINE_MS = 60_000;

/** What a run needs from outside. */
export interface PullDependencies {
  readonly store: PullStateStore;
  readonly secrets: SecretReader;
  /** Records and dead letters of the source's stream. */
  readonly delivery: RecordDelivery;
  /** Default globalThis.fetch. */
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Waits between retries (tests pass one that moves their clock). Default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Draws the full-jitter backoff in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Called after each committed page; `url` is without query secrets. */
  readonly onPage?: (page: { source: string; run: string; page: number; records: number; url: string }) => void;
  readonly log?: { info(msg: string, extra?: object): void; warn(msg: string, extra?: object): void };
  /** Where the run's metrics go: delivered records as they are acknowledged, the run's totals when it ends. */
  readonly metrics?: MetricsRecorder;
  /**
   * Stops the run (local mode shutting down): the request in flight and any wait are cut short,
   * and the run ends `partial` (stopped) with its progress saved and its lease released.
   */
  readonly signal?: AbortSignal;
}

/** One run of one source. */
export interface PullRequest {
  readonly tenant: string;
  readonly source: SourceConfig;
  /** The stream the source lands in. */
  readonly stream: StreamConfig;
  /** Also the lease owner; on AWS derived from the source and the scheduled time. */
  readonly runId: string;
  /** Ignore the saved cursor (and any interrupted run) and start at `incremental.initial`. */
  readonly fullRefresh?: boolean;
}

/**
 * How a slice ended: the run goes on in another slice (at `resumeAt` when the API asked to
 * wait that long), it is over, or it never started because another run holds the source.
 */
export type PullSliceResult =
  | { readonly done: false; readonly runId: string; readonly resumeAt?: string }
  | { readonly done: true; readonly summary: RunSummary }
  | { readonly done: true; readonly skipped: 'busy'; readonly busy: SourceBusyError };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A sleep that a stop cuts short (and whose timer it clears, so that a stopping process can exit). */
function stoppableSleep(sleep: ((ms: number) => Promise<void>) | undefined, signal: AbortSignal | undefined) {
  if (signal === undefined) return sleep ?? defaultSleep;
  return (ms: number) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      if (sleep) void sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
}

/** A fetch that a stop aborts, whatever signal the request carries already. */
function stoppableFetch(fetchImpl: typeof fetch, signal: AbortSignal | undefined): typeof fetch {
  if (signal === undefined) return fetchImpl;
  return (input, init) =>
    fetchImpl(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
}

/** The progress a slice starts from: its own run's, an interrupted run's taken over, or a new one. */
function startingProgress(state: SourceState, request: PullRequest, now: Date): RunProgress {
  const { source, runId, fullRefresh } = request;
  const saved = state.run;
  if (saved !== undefined && saved.id === runId) return saved;
  const fresh = { id: runId, startedAt: now.toISOString(), pages: 0, records: 0, retries: 0, waits: 0 };
  // A run that was killed or ended partial is continued from its last committed page.
  if (saved !== undefined && !fullRefresh) return { ...saved, ...fresh };
  const incremental = source.incremental;
  if (incremental === undefined) return { ...fresh, seen: [] };
  const bound =
    fullRefresh || state.cursor === undefined
      ? incremental.initial
      : lowerBound(state.cursor, incremental.lookbackSeconds);
  return { ...fresh, seen: [], lowerBound: bound };
}

/** Runs pages until the run ends or `sliceDeadline` (then saves progress and returns done:false). */
export async function runPullSlice(
  request: PullRequest & { readonly sliceDeadline: Date },
  deps: PullDependencies,
): Promise<PullSliceResult> {
  const { source, runId, tenant, sliceDeadline } = request;
  const leaseUntil = new Date(sliceDeadline.getTime() + source.request.timeoutSeconds * 1000 + LEASE_MARGIN_MS);
  let state: SourceState;
  try {
    state = await deps.store.acquireLease(source.name, runId, leaseUntil);
  } catch (error) {
    if (!(error instanceof SourceBusyError)) throw error;
    // Nothing of this run was started, so nothing is recorded in the state: a normal outcome.
    if (deps.metrics) recordSkippedBusy(deps.metrics, tenant, source.name);
    deps.log?.info(`pull run ${runId} of source ${source.name} ${SKIPPED_BUSY}: ${error.message}`);
    return { done: true, skipped: 'busy', busy: error };
  }
  const ending: RunEnding = {};
  try {
    return await sliceWithLease(request, deps, state, ending);
  } catch (error) {
    // Any failure after the lease was taken releases it, so that the source is not left busy
    // with nothing running: the run ends `failed` where the store still takes the write, and the
    // lease alone is released where it does not. A run that lost its lease has nothing to release.
    if (error instanceof LeaseLostError) throw error;
    const [end, reason] =
      error instanceof RunEndingError
        ? [error.end, error.message]
        : (['internal error', `internal error: ${foreignMessage(error)}`] as const);
    try {
      if (ending.finish === undefined) throw error;
      return await ending.finish(end, reason);
    } catch {
      await deps.store.releaseLease(source.name, runId).catch(() => undefined);
      throw error;
    }
  }
}

/** How the slice holding the lease ends its run, once it has set that up (for a failure it did not foresee). */
interface RunEnding {
  finish?: (end: RunEnd, reason: string) => Promise<PullSliceResult>;
}

/** The slice once it holds the lease: from the state it was given to the run's end or the slice's. */
async function sliceWithLease(
  request: PullRequest & { readonly sliceDeadline: Date },
  deps: PullDependencies,
  state: SourceState,
  ending: RunEnding,
): Promise<PullSliceResult> {
  const now = deps.now ?? (() => new Date());
  const signal = deps.signal;
  const stopped = () => signal?.aborted === true;
  const sleep = stoppableSleep(deps.sleep, signal);
  const { source, stream, runId, tenant, sliceDeadline } = request;
  const delivery = deps.metrics ? new MeteredDelivery(deps.delivery, deps.metrics, tenant) : deps.delivery;
  let version = state.version;
  let progress = startingProgress(state, request, now());
  const landedBefore = landedAtSavedCursor(
    request.fullRefresh ? undefined : { cursor: state.cursor, ids: state.cursorIds ?? [] },
  );
  const budgetEnd = new Date(Date.parse(progress.startedAt) + source.maxRunMinutes * 60_000);
  const sliceEnd = sliceDeadline < budgetEnd ? sliceDeadline : budgetEnd;
  const counters = { retries: progress.retries, waits: progress.waits };
  const fetchImpl = stoppableFetch(deps.fetch ?? globalThis.fetch, signal);
  const auth = new SourceAuthenticator({ source, secrets: deps.secrets, fetch: fetchImpl, now });
  const fetcher = new PageFetcher({
    source,
    auth,
    fetch: fetchImpl,
    now,
    sleep,
    random: deps.random ?? Math.random,
    budgetEnd,
    sliceEnd,
    counters,
  });

  const save = async (next: RunProgress) => {
    try {
      version = (await deps.store.saveProgress(source.name, runId, version, next)).version;
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      throw new StateNotSavedError(source.name, error);
    }
    progress = next;
    ownRunSaved = true;
  };

  const finish = async (end: RunEnd, reason: string, last: RunProgress = progress): Promise<PullSliceResult> => {
    const status = statusOf(end);
    const cursor = status === 'succeeded' ? higherCursor(state.cursor, last.highestCursor) : undefined;
    const cursorIds =
      cursor === undefined
        ? undefined
        : idsAtCursor(
            { cursor: state.cursor, ids: state.cursorIds ?? [] },
            { cursor: last.highestCursor, ids: last.boundaryIds ?? [] },
          );
    const nextCursor = status === 'succeeded' ? cursor : state.cursor;
    const endedAt = now();
    const summary: RunSummary = {
      source: source.name,
      run: runId,
      status,
      end,
      reason,
      pages: last.pages,
      records: last.records,
      retries: counters.retries,
      waits: counters.waits,
      durationMs: endedAt.getTime() - Date.parse(last.startedAt),
      ...(nextCursor === undefined ? {} : { nextCursor }),
      startedAt: last.startedAt,
      endedAt: endedAt.toISOString(),
    };
    await deps.store.finishRun(source.name, runId, version, summary, cursor, cursorIds);
    if (deps.metrics) recordRunMetrics(deps.metrics, tenant, summary, state.lastSuccessAt);
    if (status === 'failed') deps.log?.warn(`pull run of source ${source.name} failed: ${reason}`, { summary });
    else deps.log?.info(`pull run of source ${source.name} ${status}: ${reason}`, { summary });
    return { done: true, summary };
  };
  ending.finish = (end, reason) => finish(end, reason);

  const deadLetter = async (lines: Uint8Array[]) => {
    if (lines.length === 0) return;
    if (!stream.deadLetter) {
      deps.log?.warn(
        `stream ${stream.id} has no dead-letter output: ${lines.length} rejected item(s) of source ${source.name} dropped`,
      );
      return;
    }
    await delivery.deliver({
      streamId: stream.id,
      channel: 'dead-letter',
      records: lines,
      deadlineAt: Date.now() + DELIVERY_DEADLINE_MS,
    });
  };

  const budgetUsedUp = `time budget (maxRunMinutes ${source.maxRunMinutes}) used up`;
  // Requests cut short by the stop fail and are retried at once: those are not the API's retries.
  const atStop = { ...counters };
  signal?.addEventListener('abort', () => Object.assign(atStop, counters), { once: true });
  const stop = (last: RunProgress = progress) => {
    Object.assign(counters, atStop);
    return finish(
      'stopped',
      'stopped: local mode shut down; the next run continues from the last committed page',
      last,
    );
  };

  // A slice that ends with the run going on saves it first: a run just taken over (or new)
  // is then continued by the next slice with this start time instead of taken over again.
  let ownRunSaved = state.run?.id === runId;
  const pause = async (resumeAt?: Date): Promise<PullSliceResult> => {
    if (!ownRunSaved) await save(progress);
    return { done: false, runId, ...(resumeAt === undefined ? {} : { resumeAt: resumeAt.toISOString() }) };
  };
  if (stopped()) return stop();

  if (progress.resumeAfter !== undefined) {
    const resumeAt = new Date(progress.resumeAfter);
    const because = progress.resumeBecause;
    // An unreadable time counts as past the budget: the run ends rather than waits forever.
    if (!(resumeAt <= budgetEnd)) {
      return because === undefined || because.end === 'rate limit'
        ? finish(
            'rate limit',
            `rate limit: the API asked to wait until ${progress.resumeAfter}, past the run's time budget`,
          )
        : finish('time budget', `${budgetUsedUp} while waiting to retry after: ${because.after}`);
    }
    if (resumeAt > sliceEnd) return pause(resumeAt);
    const wait = resumeAt.getTime() - now().getTime();
    if (wait > 0) await sleep(wait);
    if (stopped()) return stop();
    const { resumeAfter: _, resumeBecause: __, ...rest } = progress;
    progress = rest;
  }

  for (;;) {
    const started = now();
    if (stopped()) return stop();
    if (started >= budgetEnd) return finish('time budget', budgetUsedUp);
    if (started >= sliceDeadline) return pause();
    const pageReq = pageRequest(source, progress.position, progress.lowerBound);
    const key = requestKey(source, pageReq, progress.position);
    const pageNumber = progress.pages + 1;
    const url = shownUrl(pageReq.url, auth.secretQueryParams);
    let response: PageResponse;
    try {
      response = await fetcher.fetch(pageReq);
    } catch (error) {
      // A stopped run's last request failed because of the stop: its retries are not the API's.
      if (stopped()) return stop();
      const withCounters = { ...progress, retries: counters.retries, waits: counters.waits };
      if (error instanceof WaitPastBudgetError || error instanceof SliceDeadlineError) {
        // Kept in the state, so that the next slice, or the next run, waits the rest first.
        const resumeAfter = error.resumeAt.toISOString();
        const because =
          error instanceof SliceDeadlineError && !error.askedByApi
            ? ({ end: 'time budget', after: error.after } as const)
            : ({ end: 'rate limit', after: 'the API asked to wait' } as const);
        await save({ ...withCounters, resumeAfter, resumeBecause: because });
        if (error instanceof WaitPastBudgetError) return finish('rate limit', `rate limit: ${error.message}`);
        return { done: false, runId, resumeAt: resumeAfter };
      }
      if (error instanceof PageFailedError) {
        return finish(error.end, `page ${pageNumber} of source ${source.name}: ${error.message}`, withCounters);
      }
      if (error instanceof RunEndingError) return finish(error.end, error.message, withCounters);
      throw error;
    }

    const origin = {
      tenant,
      stream: stream.id,
      source: source.name,
      run: runId,
      page: pageNumber,
      url,
      fetchedAt: response.fetchedAt,
    };
    const content = pageRecords(
      response.text,
      { source, stream, run: runId, page: pageNumber, fetchedAt: response.fetchedAt },
      response.bytes,
    );
    const counted = { ...progress, retries: counters.retries, waits: counters.waits };
    if (!content.ok) {
      await deadLetter([pullDeadLetterLine(origin, content.reason, response.text)]);
      return finish(content.end, `page ${pageNumber} of source ${source.name} (${url}): ${content.reason}`, counted);
    }
    // Records an earlier run landed at the saved cursor, sent again by a `>=` filter, are skipped.
    const kept = content.keys.map((key) => !landedBefore(key));
    const lines = content.lines.filter((_, index) => kept[index]);
    const boundary = advanceBoundary(
      { cursor: progress.highestCursor, ids: progress.boundaryIds ?? [] },
      content.keys.filter((_, index) => kept[index]),
    );
    const next =
      content.count === 0
        ? undefined
        : nextPosition(
            source,
            progress.position,
            { request: pageReq, response, page: content.page, records: content.count },
            auth.secretQueryParams,
          );
    const seen = key === undefined ? progress.seen : seenWith(progress.seen, key);
    const committed: RunProgress = {
      ...counted,
      pages: pageNumber,
      records: progress.records + lines.length,
      seen,
      ...(boundary.cursor === undefined ? {} : { highestCursor: boundary.cursor, boundaryIds: boundary.ids }),
    };
    // Checked before delivery: a page whose progress could not be saved would land again on every run.
    const tooLarge = stateLimitProblem(next === undefined ? committed : { ...committed, position: next });
    if (tooLarge !== undefined)
      return finish('state limit', `page ${pageNumber} of source ${source.name}: ${tooLarge}`, counted);
    try {
      if (lines.length > 0) {
        await delivery.deliver({
          streamId: stream.id,
          channel: 'records',
          records: lines,
          deadlineAt: Date.now() + DELIVERY_DEADLINE_MS,
        });
      }
      await deadLetter(content.rejected.map((item) => pullDeadLetterLine(origin, item.reason, item.text)));
    } catch (error) {
      // Nothing of this page was committed: the next run (or retry) fetches it again.
      return finish(
        'delivery failed',
        `page ${pageNumber} of source ${source.name} was not delivered: ${(error as Error).message}`,
        counted,
      );
    }

    const report = () =>
      deps.onPage?.({ source: source.name, run: runId, page: pageNumber, records: lines.length, url });
    // The last page is committed by finishing the run: one write, so that no crash between two
    // writes could leave a finished run that restarts from its first page.
    if (content.count === 0) {
      report();
      return finish('empty page', 'empty page', committed);
    }
    if (next === undefined) {
      report();
      return finish('last page', 'last page', committed);
    }
    const nextKey = requestKey(source, pageRequest(source, next, progress.lowerBound), next);
    if (nextKey !== undefined && seen.includes(nextKey)) {
      report();
      return finish('repeated cursor', next.url === undefined ? 'repeated cursor' : 'repeated URL', committed);
    }
    if (pageNumber >= source.maxPages) {
      report();
      return finish('max pages', `maxPages (${source.maxPages}) reached`, committed);
    }
    await save({ ...committed, position: next });
    report();
  }
}
