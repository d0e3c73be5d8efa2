/**
 * The pull side in local mode: runs one source's run to its end through the pull runner's
 * slices (functions/pull/run-pull.ts), with the state store, secrets and delivery of this
 * machine. Runs go slice by slice, as the Step Functions loop does on AWS, so that a stopping
 * dev server ends a run between two slices with its progress saved rather than mid-page.
 */
import { runPullSlice } from '#functions/pull/run-pull';
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';
import {
  type PullStateStore,
  type RunSummary,
  type SecretReader,
  SourceBusyError,
  type SourceState,
} from '#shared/pull/pull-run';
import { runIdFor } from '#shared/pull/run-id';
import { environmentFirst } from './local-secrets.ts';
import { tenantSource } from './tenant-sources.ts';

/** One progress line of a run: a page was delivered and committed. */
export interface PageProgress {
  readonly source: string;
  readonly run: string;
  readonly page: number;
  readonly records: number;
  /** The page's URL without query secrets. */
  readonly url: string;
}

/** Raised when local mode stops and a slice (a stand-in's) ended without seeing it; the next run resumes the run. */
export class PullStoppedError extends Error {
  override readonly name = 'PullStoppedError';
}

/** What local mode gives the runner. */
export interface LocalPullOptions {
  readonly tenant: TenantConfig;
  readonly store: PullStateStore;
  readonly secrets: SecretReader;
  readonly delivery: RecordDelivery;
  /** The runner's slice; tests put a stand-in here. Default functions/pull/run-pull.ts. */
  readonly runSlice?: typeof runPullSlice;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** How the runner waits (tests pass one that moves their clock); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Length of one slice; the run checks between slices whether local mode is stopping. */
  readonly sliceSeconds?: number;
  readonly log?: { info(msg: string, extra?: object): void; warn(msg: string, extra?: object): void };
  /** Where the runner records its metrics, as the pull function does on AWS; default nowhere. */
  readonly metrics?: MetricsRecorder;
}

/** Options of one run. */
export interface RunOptions {
  readonly fullRefresh?: boolean;
  readonly onPage?: (page: PageProgress) => void;
  /** Stops this run alone (its caller went away), as {@link LocalPull.stop} stops every run. */
  readonly signal?: AbortSignal;
  /**
   * `SLUICE_SECRET_*` of the command that asked for this run (`sluice pull` through a dev
   * server): they win over the server's own, as they would if the command ran the source itself.
   */
  readonly secretEnv?: Readonly<Record<string, string>>;
}

/** The pull side of one tenant on this machine. */
export interface LocalPull {
  /** Runs the source to the end of its run; a run left by a stopped or killed process is resumed. */
  run(source: string, options?: RunOptions): Promise<RunSummary>;
  /** Every source's saved state. */
  status(): Promise<SourceState[]>;
  /**
   * Stops every running run within about a second: the request in flight and any wait are cut
   * short, and the run ends `partial` (stopped) with its progress saved and its lease released.
   */
  stop(): void;
}

/** Default slice length: short, so that Ctrl-C in `sluice dev` is answered within seconds. */
const LOCAL_SLICE_SECONDS = 10;

/** Binds the runner to this machine's store, secrets and delivery. */
export function createLocalPull(options: LocalPullOptions): LocalPull {
  const now = options.now ?? (() => new Date());
  const sliceMs = (options.sliceSeconds ?? LOCAL_SLICE_SECONDS) * 1000;
  const runSlice = options.runSlice ?? runPullSlice;
  const stopping = new AbortController();
  // Runs of this process by source. The state database is open in one process only, so this
  // is every live run of the tenant; it keeps a second start from taking the first's id below.
  const running = new Map<string, string>();
  return {
    async run(name, runOptions = {}) {
      const { source, stream } = tenantSource(options.tenant, name);
      const live = running.get(name);
      if (live) throw new SourceBusyError(name, live, 'that run ends');
      running.set(name, 'starting');
      try {
        // A lease still held was left by a process killed mid-run (the state database is open in
        // one process only, and this one's runs are in `running`): its run goes on under its id,
        // as Step Functions retries a slice of the same execution. Anything else is a new run,
        // named as on AWS; the runner takes over a run that ended partial or failed from its
        // last committed page, as a new scheduled run does there.
        const leftBy = (await options.store.read(name))?.lease?.owner;
        const runId = leftBy ?? runIdFor(name, now());
        running.set(name, runId);
        return await runSlices(source, stream, runId, runOptions);
      } finally {
        running.delete(name);
      }
    },
    status: () => options.store.list(),
    stop() {
      stopping.abort();
    },
  };

  async function runSlices(source: SourceConfig, stream: StreamConfig, runId: string, runOptions: RunOptions) {
    const name = source.name;
    const signal = runOptions.signal ? AbortSignal.any([stopping.signal, runOptions.signal]) : stopping.signal;
    for (;;) {
      const result = await runSlice(
        {
          tenant: options.tenant.tenant,
          source,
          stream,
          runId,
          ...(runOptions.fullRefresh ? { fullRefresh: true } : {}),
          sliceDeadline: new Date(now().getTime() + sliceMs),
        },
        {
          store: options.store,
          secrets: runOptions.secretEnv ? environmentFirst(runOptions.secretEnv, options.secrets) : options.secrets,
          delivery: options.delivery,
          now,
          signal,
          ...(options.sleep ? { sleep: options.sleep } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(runOptions.onPage ? { onPage: runOptions.onPage } : {}),
          ...(options.log ? { log: options.log } : {}),
          ...(options.metrics ? { metrics: options.metrics } : {}),
        },
      );
      if (result.done && 'busy' in result) throw result.busy;
      if (result.done) return result.summary;
      if (signal.aborted)
        throw new PullStoppedError(`local mode stopped; run ${runId} of ${name} resumes at the next run`);
      // The API asked to wait past this slice: wait here, as the state machine's Wait state does on AWS.
      if (result.resumeAt !== undefined) await waitUntil(new Date(result.resumeAt), signal);
    }
  }

  async function waitUntil(at: Date, signal: AbortSignal) {
    const ms = at.getTime() - now().getTime();
    if (ms <= 0 || signal.aborted) return;
    if (options.sleep) return options.sleep(ms);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
