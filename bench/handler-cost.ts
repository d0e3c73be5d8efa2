/**
 * Benchmark 1, ingest handler cost: what Sluice's own layers add to the work no ingest path
 * can skip (parse, schema check, one signed PutRecordBatch), per case. The measuring side
 * (support/handler-cost-measurement.ts) is bundled as the stack bundles the ingest function
 * and run by plain Node with stdout on /dev/null, as Lambda runs it; this side builds it,
 * runs it and writes bench/results/handler-cost.json.
 */
import { fork } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { splitBundleOptions } from '#infra/function-bundling';
import { repoPath } from '#infra/paths';
import type { HandlerCostResults } from './support/handler-cost-measurement.ts';
import { writeResults } from './support/results.ts';

const COMMAND = 'npm run bench -- handler';
const OUT = repoPath('bench', '.out', 'handler-cost');
const MEASUREMENT = fileURLToPath(new URL('./support/handler-cost-measurement.ts', import.meta.url));

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Bundles the measurement with the ingest function's esbuild options; returns the entry file. */
async function bundleMeasurement(): Promise<string> {
  rmSync(OUT, { recursive: true, force: true });
  await build(splitBundleOptions(MEASUREMENT, OUT, {}));
  return `${OUT}/index.mjs`;
}

/** Runs the bundle as Lambda runs the function (source maps on, stdout taken and dropped). */
function runMeasurement(entry: string): Promise<HandlerCostResults | undefined> {
  const devNull = openSync('/dev/null', 'w');
  const child = fork(entry, [], {
    execPath: process.execPath,
    execArgv: ['--enable-source-maps'],
    stdio: ['ignore', devNull, 'inherit', 'ipc'],
    env: { ...process.env, SLUICE_BENCH_CHILD: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let results: HandlerCostResults | undefined;
  child.on('message', (message) => {
    results = message as HandlerCostResults;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code === 0 ? results : undefined));
  });
}

/** Runs the benchmark; resolves with its exit code. */
export async function runHandlerCost(): Promise<number> {
  const results = await runMeasurement(await bundleMeasurement());
  if (!results) {
    log('the measuring process failed; no results written');
    return 1;
  }
  log(`results: ${writeResults('handler-cost', COMMAND, results)}`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runHandlerCost();
}
