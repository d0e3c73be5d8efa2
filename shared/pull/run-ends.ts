/**
 * Every way a pull run ends, in one table: the kind a summary records (`end`), and the status
 * the kind ends the run in. A summary's `reason` says the rest in words (which page, which
 * limit, until when). The runner maps its typed errors to these kinds (functions/pull/
 * pull-errors.ts: each error class names its kind); a new refusal adds its row here and an
 * error class there, and the runner, the stored-state schema and the metrics follow.
 */
import type { RunStatus } from './pull-run.ts';

/** Each end kind and the status it gives the run. */
export const RUN_ENDS = {
  /** The API said there is no next page. */
  'last page': 'succeeded',
  /** A page held no record. */
  'empty page': 'succeeded',
  /** The next cursor or URL was one this run already requested. */
  'repeated cursor': 'succeeded',
  /** The source's maxPages was reached. */
  'max pages': 'succeeded',
  /** The run's time budget (maxRunMinutes) was used up; the next run continues. */
  'time budget': 'partial',
  /** The API asked to wait past the run's time budget; the next run waits the rest, then continues. */
  'rate limit': 'partial',
  /** Local mode was stopped (SIGINT, SIGTERM); the next run continues. */
  stopped: 'partial',
  /** The API did not answer (or finish its body) in request.timeoutSeconds, every retry. */
  timeout: 'failed',
  /** The API answered a status that is not retried, or failed every retry. */
  'http error': 'failed',
  /** The API could not be reached, every retry. */
  unreachable: 'failed',
  /** A page was not what the config says (not JSON, no records where `records` points). */
  'bad page': 'failed',
  /** The delivery stream did not acknowledge a page. */
  'delivery failed': 'failed',
  /** The API refused the credentials, or a secret cannot be read or used. */
  'credentials refused': 'failed',
  /** A page was over maxPageBytes, or held more records than maxRecordsPerPage. */
  'body limit': 'failed',
  /** A pagination target or redirect led to an origin the config does not allow. */
  'origin refused': 'failed',
  /** What the run would save next (a cursor, a URL, its progress) is over the limits of shared/pull/state-limits.ts. */
  'state limit': 'failed',
  /** The state store failed a write (an outage, a throttle); the lease was released, the next run continues. */
  'state not saved': 'failed',
  /** The runner failed on an error it has no kind for (a bug); the lease was released, the next run continues. */
  'internal error': 'failed',
} as const satisfies Readonly<Record<string, RunStatus>>;

/** How a run ended (a key of {@link RUN_ENDS}). */
export type RunEnd = keyof typeof RUN_ENDS;

/** The run ends, in the table's order (for schemas and docs). */
export const RUN_END_KINDS = Object.keys(RUN_ENDS) as RunEnd[];

/** The status a run that ended so gets. */
export function statusOf(end: RunEnd): RunStatus {
  return RUN_ENDS[end];
}

/**
 * A tick that found its source busy (another run holds the lease): no run started, nothing is
 * recorded in the state; it is answered as a normal outcome and counted by PullSkippedBusy.
 */
export const SKIPPED_BUSY = 'skipped: busy';
