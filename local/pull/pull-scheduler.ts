/**
 * `sluice dev` runs each source on its schedule, as EventBridge Scheduler does on AWS, and
 * prints one line per run. A source never runs twice at once: a start due while its run goes
 * on is skipped here, and one started elsewhere (`sluice pull`) is refused by the lease.
 */

import { parseSchedule, type Schedule } from '#shared/config/schedule-expression';
import { type RunSummary, SourceBusyError } from '#shared/pull/pull-run';
import { SKIPPED_BUSY } from '#shared/pull/run-ends';
import { PullStoppedError, type RunOptions } from './local-pull.ts';
import { runSummaryLine } from './run-summary-line.ts';

/** setTimeout's longest delay; a later run is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the scheduler needs. */
export interface PullSchedulerOptions {
  /** The sources to run, with their schedule expressions. */
  readonly sources: readonly { readonly name: string; readonly schedule: string }[];
  run(source: string, options?: RunOptions): Promise<RunSummary>;
  /** Gets one line per run (and per schedule that cannot run). */
  report(line: string): void;
  readonly now?: () => Date;
}

/** A running scheduler. */
export interface PullScheduler {
  /** Stops starting runs and waits for the runs in flight to end. */
  stop(): Promise<void>;
  /** When the source's next run is due; undefined when it is not scheduled (a bad expression, or stopped). */
  nextRun(source: string): Date | undefined;
}

/** Starts every source's schedule. */
export function startPullScheduler(options: PullSchedulerOptions): PullScheduler {
  const now = options.now ?? (() => new Date());
  const timers = new Set<NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const nextRuns = new Map<string, Date>();
  let stopped = false;

  const wait = (at: Date, then: () => void) => {
    const delay = Math.min(Math.max(at.getTime() - now().getTime(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      if (now() < at) wait(at, then);
      else then();
    }, delay);
    timers.add(timer);
  };

  const runOnce = (name: string) => {
    if (running.has(name)) {
      options.report(`pull ${name} skipped: its previous run is still going`);
      return;
    }
    const run = options
      .run(name)
      .then(
        (summary) => options.report(runSummaryLine(summary)),
        (error: unknown) => {
          const outcome =
            error instanceof SourceBusyError ? SKIPPED_BUSY : error instanceof PullStoppedError ? 'stopped' : 'failed';
          options.report(`pull ${name} ${outcome}: ${(error as Error).message}`);
        },
      )
      .finally(() => running.delete(name));
    running.set(name, run);
  };

  const plan = (name: string, schedule: Schedule, after: Date) => {
    const at = schedule.next(after);
    nextRuns.set(name, at);
    wait(at, () => {
      runOnce(name);
      plan(name, schedule, at);
    });
  };

  for (const { name, schedule: expression } of options.sources) {
    let schedule: Schedule;
    const start = now();
    try {
      schedule = parseSchedule(expression);
      // A schedule that local mode cannot run (L, W or # on AWS) says so on its first next().
      schedule.next(start);
    } catch (error) {
      options.report(`pull ${name} not scheduled: ${expression}: ${(error as Error).message}`);
      continue;
    }
    if (schedule.runsAtStart) runOnce(name);
    plan(name, schedule, start);
  }

  return {
    nextRun: (source) => (stopped ? undefined : nextRuns.get(source)),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running.values());
    },
  };
}
