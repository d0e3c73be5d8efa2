/**
 * Running a benchmark's measuring side as the stack runs a function: bundled with the
 * functions' esbuild options (infra/function-bundling.ts: minified ESM, the Lambda credential
 * alias, the require banner) and run by plain Node with source maps on, stdout on /dev/null
 * (where Lambda takes log lines from). Under tsx, which the bench runner uses, every closure
 * made per call also pays a `__name` call (esbuild's keepNames), which deployed code does not;
 * measured there, Sluice's code (closures per request, per page) pays a cost its baselines
 * mostly escape.
 *
 * The measuring module runs its measurement when SLUICE_BENCH_CHILD is set and sends its results
 * to the parent with `process.send`. SLUICE_BENCH_NODE names another Node binary to run it with
 * (Lambda runs Node 24; local mode, Node 20).
 */
import { fork } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { splitBundleOptions } from '#infra/function-bundling';
import { repoPath } from '#infra/paths';

/** Bundles `entry` into bench/.out/<name> and runs it; resolves with what it sent, or undefined when it failed. */
export async function runBundledMeasurement<T>(name: string, entry: string): Promise<T | undefined> {
  const outdir = repoPath('bench', '.out', name);
  rmSync(outdir, { recursive: true, force: true });
  await build(splitBundleOptions(entry, outdir, {}));
  const child = fork(`${outdir}/index.mjs`, [], {
    execPath: process.env.SLUICE_BENCH_NODE || process.execPath,
    execArgv: ['--enable-source-maps'],
    stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit', 'ipc'],
    env: { ...process.env, SLUICE_BENCH_CHILD: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let results: T | undefined;
  child.on('message', (message) => {
    results = message as T;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code === 0 ? results : undefined));
  });
}
