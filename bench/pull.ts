/**
 * Benchmark 5, pull: the real pull runner against a bare fetch + JSON.parse loop over the same
 * pages, and the request rate it keeps under `rateLimit.perSecond`. The measuring side
 * (support/pull-measurement.ts) runs bundled as the stack bundles the pull function
 * (support/bundled-measurement.ts); this side writes bench/results/pull.json.
 */
import { fileURLToPath } from 'node:url';
import { runBundledMeasurement } from './support/bundled-measurement.ts';
import { writeResults } from './support/results.ts';

const COMMAND = 'npm run bench -- pull';
const MEASUREMENT = fileURLToPath(new URL('./support/pull-measurement.ts', import.meta.url));

/** Runs the benchmark; resolves with the exit code. */
export async function runPullBench(): Promise<number> {
  const results = await runBundledMeasurement<Record<string, unknown>>('pull', MEASUREMENT);
  if (!results) {
    process.stderr.write('the measuring process failed; no results written\n');
    return 1;
  }
  process.stderr.write(`wrote ${writeResults('pull', COMMAND, results)}\n`);
  return 0;
}
