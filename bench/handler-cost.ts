/**
 * Benchmark 1, ingest handler cost: what Sluice's own layers add to the work no ingest path
 * can skip (parse, schema check, one signed PutRecordBatch), per case. The measuring side
 * (support/handler-cost-measurement.ts) runs bundled as the stack bundles the ingest function
 * (support/bundled-measurement.ts); this side writes bench/results/handler-cost.json.
 */
import { fileURLToPath } from 'node:url';
import { runBundledMeasurement } from './support/bundled-measurement.ts';
import type { HandlerCostResults } from './support/handler-cost-measurement.ts';
import { writeResults } from './support/results.ts';

const COMMAND = 'npm run bench -- handler';
const MEASUREMENT = fileURLToPath(new URL('./support/handler-cost-measurement.ts', import.meta.url));

/** Runs the benchmark; resolves with its exit code. */
export async function runHandlerCost(): Promise<number> {
  const results = await runBundledMeasurement<HandlerCostResults>('handler-cost', MEASUREMENT);
  if (!results) {
    process.stderr.write('the measuring process failed; no results written\n');
    return 1;
  }
  process.stderr.write(`results: ${writeResults('handler-cost', COMMAND, results)}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runHandlerCost();
}
