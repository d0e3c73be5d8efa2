/**
 * `npm run bench` runs every benchmark; `npm run bench -- handler` (or cold-start, throughput, query, pull, client)
 * runs one. Each writes bench/results/<name>.json; docs/performance.md explains them.
 */
import { runClientBench } from './client.ts';
import { runColdStart } from './cold-start.ts';
import { runHandlerCost } from './handler-cost.ts';
import { runPullBench } from './pull.ts';
import { runQuery } from './query.ts';
import { runThroughput } from './throughput.ts';

const BENCHMARKS: Readonly<Record<string, () => Promise<number>>> = {
  handler: runHandlerCost,
  'cold-start': runColdStart,
  throughput: runThroughput,
  query: runQuery,
  pull: runPullBench,
  client: runClientBench,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exitCode = 64;
} else {
  let failed = 0;
  for (const name of requested.length > 0 ? requested : Object.keys(BENCHMARKS)) {
    process.stderr.write(`\n== ${name}\n`);
    const code = (await BENCHMARKS[name]?.()) ?? 1;
    if (code !== 0) failed += 1;
  }
  process.exitCode = failed > 0 ? 1 : 0;
}
