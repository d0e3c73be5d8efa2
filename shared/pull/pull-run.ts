/**
 * The pull side's ports: the state a source keeps between runs and slices, the store that
 * keeps it (DynamoDB on AWS, dynalite locally: the same code), where secrets come from, and
 * the summary every run ends with. The runner in functions/pull/ works only through these.
 */
import type { RunEnd } from './run-ends.ts';

/** Partition key of the pull state table (a string: the source's name), on AWS and locally. */
export const PULL_STATE_PARTITION_KEY = 'source';

/** How a run can end; also the `outcome` dimension of its PullRuns metric. */
export const RUN_STATUSES = ['succeeded', 'partial', 'failed'] as const;
/** How a run ended. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where the next request of a run starts: the pagination position after the last committed page. */
export interface PagePosition {
  /** Next page's URL (link-header, next-url). */
  readonly url?: string;
  /** Next cursor (cursor pagination). */
  readonly cursor?: string;
  /** Next offset (offset pagination). */
  readonly offset?: number;
  /** Next page number (page pagination). */
  readonly page?: number;
}

/** A run in progress, saved with every committed page so that a killed run resumes there. */
export interface RunProgress {
  readonly id: string;
  readonly startedAt: string;
  /** Where the next page starts; absent before the first page. */
  readonly position?: PagePosition;
  /** Pages and records committed so far in this run. */
  readonly pages: number;
  readonly records: number;
  readonly retries: number;
  readonly waits: number;
  /** Lower bound this run sends as the incremental `param`. */
  readonly lowerBound?: string;
  /** Highest incremental cursor value among the committed records of this run. */
  readonly highestCursor?: string;
  /** Ids of this run's committed records at `highestCursor` (functions/pull/boundary-ids.ts), at most MAX_BOUNDARY_IDS. */
  readonly boundaryIds?: readonly string[];
  /** Digests of the URLs/cursors already requested in this run (to stop a pagination loop). */
  readonly seen: readonly string[];
  /** The API asked to wait until then (Retry-After past the slice's end), or a retry's backoff does; the next slice waits first. */
  readonly resumeAfter?: string;
  /** Why the run waits for `resumeAfter`: how it ends if the wait passes its budget, and after what. */
  readonly resumeBecause?: { readonly end: 'rate limit' | 'time budget'; readonly after: string };
}

/** What one run reports when it ends. */
export interface RunSummary {
  readonly source: string;
  readonly run: string;
  readonly status: RunStatus;
  /** How it ended, one kind of shared/pull/run-ends.ts (absent in summaries stored before the kinds existed). */
  readonly end?: RunEnd;
  /** What happened, in words: the end kind's details (which page, which limit, until when). */
  readonly reason: string;
  readonly pages: number;
  readonly records: number;
  readonly retries: number;
  readonly waits: number;
  readonly durationMs: number;
  /** The incremental cursor the next run starts from (before the lookback). */
  readonly nextCursor?: string;
  readonly startedAt: string;
  readonly endedAt: string;
}

/** Everything kept per source. */
export interface SourceState {
  readonly source: string;
  /** Highest incremental cursor committed by a finished run. */
  readonly cursor?: string;
  /** Ids of the records landed at `cursor`: the next run skips them when the API sends them again (`>=` filters). */
  readonly cursorIds?: readonly string[];
  /** The run in progress (or interrupted), if any. */
  readonly run?: RunProgress;
  readonly lastRun?: RunSummary;
  /** End time of the last `succeeded` run. */
  readonly lastSuccessAt?: string;
  /** Optimistic-concurrency version: every write is conditional on it. */
  readonly version: number;
  /** The lease last taken and not released: who and until when (ISO 8601); past `until` after a killed run. */
  readonly lease?: { readonly owner: string; readonly until: string };
}

/** Another run holds the source's lease. */
export class SourceBusyError extends Error {
  override readonly name = 'SourceBusyError';
  constructor(
    readonly source: string,
    readonly heldBy: string,
    readonly until: string,
  ) {
    super(`source ${source} is already running (run ${heldBy}, lease until ${until}); not starting a second run`);
  }
}

/** A write of a run that no longer holds the source's lease, or whose state moved under it (another writer). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly source: string,
    readonly owner: string,
    reason: string,
  ) {
    super(`run ${owner} of source ${source} lost its lease (${reason}); its progress was not saved`);
  }
}

/** The state store of a tenant's sources. Every write is conditional (lease owner and version). */
export interface PullStateStore {
  read(source: string): Promise<SourceState | undefined>;
  list(): Promise<SourceState[]>;
  /**
   * Takes the source's lease for `owner` until `until` (again, when `owner` holds it); throws
   * {@link SourceBusyError} when another holds it. It moves the version, so an earlier writer of the
   * same run (a slice retried while the first still runs) can no longer save.
   */
  acquireLease(source: string, owner: string, until: Date): Promise<SourceState>;
  /** Saves a run's progress after a page was acknowledged; throws {@link LeaseLostError} when `owner` lost the lease or the version moved. */
  saveProgress(source: string, owner: string, expectedVersion: number, run: RunProgress): Promise<SourceState>;
  /**
   * Records a finished run and releases the lease, storing `cursor` (and `cursorIds`, the ids of the
   * records at it) when given. A `succeeded` run clears `run`; a `partial` or `failed` run keeps it, so
   * that the next run resumes from its last committed page. Throws {@link LeaseLostError} like `saveProgress`.
   */
  finishRun(
    source: string,
    owner: string,
    expectedVersion: number,
    summary: RunSummary,
    cursor?: string,
    cursorIds?: readonly string[],
  ): Promise<void>;
  /**
   * Releases `owner`'s lease and nothing else, whatever the version: the last resort of a run
   * that failed and could not even record its end, so that its source is not left busy. Does
   * nothing when `owner` no longer holds the lease.
   */
  releaseLease(source: string, owner: string): Promise<void>;
}

/** A secret that cannot be read: the message names the secret and how to provide it, never a value. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
  constructor(
    readonly secret: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a secret by name (Secrets Manager on AWS; SLUICE_SECRET_<NAME> or `sluice secret set` locally). */
export interface SecretReader {
  /** The secret's value; throws {@link SecretUnavailableError} when it cannot be read. */
  read(name: string): Promise<string>;
}
