/**
 * Runs a pull run to its end, slice after slice, as the state machine does on AWS and local
 * mode does on this machine. Tests and the pull benchmark use it; the runner itself only runs
 * slices (functions/pull/run-pull.ts).
 */
import { type PullDependencies, type PullRequest, runPullSlice } from '#functions/pull/run-pull';
import type { RunSummary } from '#shared/pull/pull-run';

/** Length of one slice here: long, so that a test's run is one slice unless it says otherwise. */
const SLICE_MS = 5 * 60_000;

/** Runs slices until the run ends; throws the SourceBusyError of a source whose lease another run holds. */
export async function runPull(request: PullRequest, deps: PullDependencies): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  for (;;) {
    const result = await runPullSlice({ ...request, sliceDeadline: new Date(now().getTime() + SLICE_MS) }, deps);
    if (result.done && 'busy' in result) throw result.busy;
    if (result.done) return result.summary;
  }
}
