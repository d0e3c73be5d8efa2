/**
 * An in-memory PullStateStore with the DynamoDB store's rules: a lease per source, every write
 * conditional on the lease owner and the version, `run` kept after a partial or failed run.
 */
import {
  type PullStateStore,
  type RunProgress,
  type RunSummary,
  SourceBusyError,
  type SourceState,
} from '#shared/pull/pull-run';

interface Row {
  state: SourceState;
  leaseOwner?: string;
  leaseUntil?: Date;
}

/** The state as the DynamoDB store reads it: with the lease last taken and not released. */
function withLease(row: Row): SourceState {
  return row.leaseOwner === undefined || row.leaseUntil === undefined
    ? row.state
    : { ...row.state, lease: { owner: row.leaseOwner, until: row.leaseUntil.toISOString() } };
}

/** A PullStateStore kept in a Map; `now` decides lease expiry. */
export class MemoryStateStore implements PullStateStore {
  readonly rows = new Map<string, Row>();
  /** Every saved progress, in order (tests read what was committed when). */
  readonly saved: RunProgress[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  async read(source: string): Promise<SourceState | undefined> {
    const row = this.rows.get(source);
    return row && withLease(row);
  }

  async list(): Promise<SourceState[]> {
    return [...this.rows.values()].map(withLease);
  }

  async acquireLease(source: string, owner: string, until: Date): Promise<SourceState> {
    const row = this.rows.get(source) ?? { state: { source, version: 0 } };
    if (row.leaseOwner !== undefined && row.leaseOwner !== owner && row.leaseUntil && row.leaseUntil > this.now()) {
      throw new SourceBusyError(source, row.leaseOwner, row.leaseUntil.toISOString());
    }
    row.leaseOwner = owner;
    row.leaseUntil = until;
    row.state = { ...row.state, version: row.state.version + 1 };
    this.rows.set(source, row);
    return row.state;
  }

  async saveProgress(source: string, owner: string, expectedVersion: number, run: RunProgress): Promise<SourceState> {
    const row = this.current(source, owner, expectedVersion);
    row.state = { ...row.state, run, version: row.state.version + 1 };
    this.saved.push(run);
    return row.state;
  }

  async finishRun(
    source: string,
    owner: string,
    expectedVersion: number,
    summary: RunSummary,
    cursor?: string,
    cursorIds?: readonly string[],
  ): Promise<void> {
    const row = this.current(source, owner, expectedVersion);
    const { run, ...rest } = row.state;
    row.state = {
      ...rest,
      ...(summary.status === 'succeeded' || run === undefined ? {} : { run }),
      ...(cursor === undefined ? {} : { cursor }),
      ...(cursorIds === undefined ? {} : { cursorIds }),
      ...(summary.status === 'succeeded' ? { lastSuccessAt: summary.endedAt } : {}),
      lastRun: summary,
      version: row.state.version + 1,
    };
    delete row.leaseOwner;
    delete row.leaseUntil;
  }

  async releaseLease(source: string, owner: string): Promise<void> {
    const row = this.rows.get(source);
    if (row?.leaseOwner !== owner) return;
    delete row.leaseOwner;
    delete row.leaseUntil;
  }

  private held(source: string, owner: string): Row {
    const row = this.rows.get(source);
    if (row?.leaseOwner !== owner) throw new Error(`run ${owner} does not hold the lease of ${source}`);
    return row;
  }

  private current(source: string, owner: string, expectedVersion: number): Row {
    const row = this.held(source, owner);
    if (row.state.version !== expectedVersion) throw new Error(`version of ${source} moved`);
    return row;
  }
}
