/**
 * The pull runner: one run of a source, page by page, in slices (a Lambda invocation each on
 * AWS; one long slice after another locally). A page's position is committed only after the
 * delivery stream acknowledged every record of the page, so a run killed at any moment resumes
 * at its last committed page and lands twice at most the page in flight. The lease keeps one
 * run per source; every write is conditional on it and on the state's version.
 */
import { MeteredDelivery } from '#functions/metrics/metered-delivery';
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';
import type {
  PullStateStore,
  RunProgress,
  RunStatus,
  RunSummary,
  SecretReader,
  SourceState,
} from '#shared/pull/pull-run';
import { higherCursor, lowerBound } from './incremental-cursor.ts';
import { PageFetcher, type PageResponse, shownUrl } from './page-fetch.ts';
import { pageRecords } from './page-records.ts';
import { nextPosition, pageRequest, requestKey } from './pagination.ts';
import { pullDeadLetterLine } from './pull-dead-letter.ts';
import {
  CredentialsRejectedError,
  PageFailedError,
  SecretUnusableError,
  SliceDeadlineError,
  WaitPastBudgetError,
} from './pull-errors.ts';
import { recordRunMetrics } from './pull-metrics.ts';
import { SourceAuthenticator } from './source-auth.ts';

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

/** How a slice ended: the run goes on in another slice, or it is over. */
export type PullSliceResult =
  | { readonly done: false; readonly runId: string }
  | { readonly done: true; readonly summary: RunSummary };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? defaultSleep;
  const { source, stream, runId, tenant, sliceDeadline } = request;
  const delivery = deps.metrics ? new MeteredDelivery(deps.delivery, deps.metrics, tenant) : deps.delivery;
  const leaseUntil = new Date(sliceDeadline.getTime() + source.request.timeoutSeconds * 1000 + LEASE_MARGIN_MS);
  // SourceBusyError goes to the caller: nothing of this run was started, so nothing is recorded.
  const state = await deps.store.acquireLease(source.name, runId, leaseUntil);
  let version = state.version;
  let progress = startingProgress(state, request, now());
  const budgetEnd = new Date(Date.parse(progress.startedAt) + source.maxRunMinutes * 60_000);
  const sliceEnd = sliceDeadline < budgetEnd ? sliceDeadline : budgetEnd;
  const counters = { retries: progress.retries, waits: progress.waits };
  const fetchImpl = deps.fetch ?? globalThis.fetch;
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
    version = (await deps.store.saveProgress(source.name, runId, version, next)).version;
    progress = next;
  };

  const finish = async (status: RunStatus, reason: string, last: RunProgress = progress): Promise<PullSliceResult> => {
    const cursor = status === 'succeeded' ? higherCursor(state.cursor, last.highestCursor) : undefined;
    const nextCursor = status === 'succeeded' ? cursor : state.cursor;
    const endedAt = now();
    const summary: RunSummary = {
      source: source.name,
      run: runId,
      status,
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
    await deps.store.finishRun(source.name, runId, version, summary, cursor);
    if (deps.metrics) recordRunMetrics(deps.metrics, tenant, summary, state.lastSuccessAt);
    if (status === 'failed') deps.log?.warn(`pull run of source ${source.name} failed: ${reason}`, { summary });
    else deps.log?.info(`pull run of source ${source.name} ${status}: ${reason}`, { summary });
    return { done: true, summary };
  };

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

  if (progress.resumeAfter !== undefined) {
    const resumeAt = new Date(progress.resumeAfter);
    if (resumeAt > budgetEnd) return finish('partial', 'rate limit: the wait the API asked for passes the time budget');
    if (resumeAt > sliceEnd) return { done: false, runId };
    const { resumeAfter: _, ...rest } = progress;
    progress = rest;
    const wait = resumeAt.getTime() - now().getTime();
    if (wait > 0) await sleep(wait);
  }

  for (;;) {
    const started = now();
    if (started >= budgetEnd) return finish('partial', `time budget (maxRunMinutes ${source.maxRunMinutes}) used up`);
    if (started >= sliceDeadline) return { done: false, runId };
    const pageReq = pageRequest(source, progress.position, progress.lowerBound);
    const key = requestKey(source, pageReq, progress.position);
    const pageNumber = progress.pages + 1;
    const url = shownUrl(pageReq.url, auth.secretQueryParams);
    let response: PageResponse;
    try {
      response = await fetcher.fetch(pageReq);
    } catch (error) {
      const withCounters = { ...progress, retries: counters.retries, waits: counters.waits };
      if (error instanceof WaitPastBudgetError) {
        return finish('partial', `rate limit: ${error.message}`, withCounters);
      }
      if (error instanceof SliceDeadlineError) {
        await save({ ...withCounters, resumeAfter: error.resumeAt.toISOString() });
        return { done: false, runId };
      }
      if (error instanceof CredentialsRejectedError || error instanceof SecretUnusableError) {
        return finish('failed', error.message, withCounters);
      }
      if (error instanceof PageFailedError) {
        return finish('failed', `page ${pageNumber} of source ${source.name}: ${error.message}`, withCounters);
      }
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
    const content = pageRecords(response.text, {
      source,
      stream,
      run: runId,
      page: pageNumber,
      fetchedAt: response.fetchedAt,
    });
    const counted = { ...progress, retries: counters.retries, waits: counters.waits };
    if (!content.ok) {
      await deadLetter([pullDeadLetterLine(origin, content.reason, response.text)]);
      return finish('failed', `page ${pageNumber} of source ${source.name} (${url}): ${content.reason}`, counted);
    }
    try {
      if (content.lines.length > 0) {
        await delivery.deliver({
          streamId: stream.id,
          channel: 'records',
          records: content.lines,
          deadlineAt: Date.now() + DELIVERY_DEADLINE_MS,
        });
      }
      await deadLetter(content.rejected.map((item) => pullDeadLetterLine(origin, item.reason, item.text)));
    } catch (error) {
      // Nothing of this page was committed: the next run (or retry) fetches it again.
      return finish(
        'failed',
        `page ${pageNumber} of source ${source.name} was not delivered: ${(error as Error).message}`,
        counted,
      );
    }

    const next =
      content.count === 0
        ? undefined
        : nextPosition(
            source,
            progress.position,
            { request: pageReq, response, page: content.page, records: content.count },
            auth.secretQueryParams,
          );
    const seen = key === undefined ? progress.seen : [...progress.seen, key];
    const highest = higherCursor(progress.highestCursor, content.highestCursor);
    const committed: RunProgress = {
      ...counted,
      pages: pageNumber,
      records: progress.records + content.lines.length,
      seen,
      ...(highest === undefined ? {} : { highestCursor: highest }),
    };
    const report = () =>
      deps.onPage?.({ source: source.name, run: runId, page: pageNumber, records: content.lines.length, url });
    // The last page is committed by finishing the run: one write, so that no crash between two
    // writes could leave a finished run that restarts from its first page.
    if (content.count === 0) {
      report();
      return finish('succeeded', 'empty page', committed);
    }
    if (next === undefined) {
      report();
      return finish('succeeded', 'last page', committed);
    }
    const nextKey = requestKey(source, pageRequest(source, next, progress.lowerBound), next);
    if (nextKey !== undefined && seen.includes(nextKey)) {
      report();
      return finish('succeeded', next.url === undefined ? 'repeated cursor' : 'repeated URL', committed);
    }
    if (pageNumber >= source.maxPages) {
      report();
      return finish('succeeded', `maxPages (${source.maxPages}) reached`, committed);
    }
    await save({ ...committed, position: next });
    report();
  }
}
