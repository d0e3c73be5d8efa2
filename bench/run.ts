/**
 * `npm run bench` runs every benchmark; `npm run bench -- handler` (or cold-start, throughput, query, pull, client)
 * runs one. Each writes bench/results/<name>.json; docs/performance.md explains them.
 */
import { compileCli } from '../cli/compile/compile-cli.mjs';
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

/** Benchmarks that start `sluice dev` through cli/sluice.mjs. */
const STARTS_SLUICE_DEV = new Set(['throughput', 'client']);

const USAGE = `usage: npm run bench [-- <benchmark>...]
Runs every benchmark, or the ones named: ${Object.keys(BENCHMARKS).join(', ')}.
Each writes bench/results/<name>.json; docs/performance.md says what each measures and which
environment variables change a run (SLUICE_BENCH_QUICK, SLUICE_BENCH_NODE, SLUICE_BENCH_MOOSE_URL, ...).
`;

const requested = process.argv.slice(2);
// Own keys only: `constructor` names no benchmark.
const unknown = requested.filter((name) => !Object.hasOwn(BENCHMARKS, name));
if (requested.includes('--help') || requested.includes('-h')) {
  process.stdout.write(USAGE);
} else if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exitCode = 64;
} else {
  const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
  // These start `sluice dev` through the bin, which runs the TypeScript sources under tsx when
  // dist/cli/ is older than any of them (about 5 % fewer requests per second): compiled first,
  // they measure the command as `npm install && npm start` runs it.
  if (names.some((name) => STARTS_SLUICE_DEV.has(name))) {
    process.stderr.write(`compiled ${await compileCli()} source files into dist/cli for sluice dev\n`);
  }
  let failed = 0;
  for (const name of names) {
    process.stderr.write(`\n== ${name}\n`);
    const code = (await BENCHMARKS[name]?.()) ?? 1;
    if (code !== 0) failed += 1;
  }
  process.exitCode = failed > 0 ? 1 : 0;
}
