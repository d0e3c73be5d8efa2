/**
 * Moose's ingest API as a throughput baseline (issue 24). The benchmark does not start Moose:
 * /work/shared/peers/moose/START.md (outside this repository) says how to bring `moose dev
 * --dockerless` up on this machine; its data model must take the orders record the benchmark
 * posts. Point SLUICE_BENCH_MOOSE_URL at its ingest route and, to count its CPU per request,
 * SLUICE_BENCH_MOOSE_PID at the moose-cli process.
 */
import type { ChildProcess } from 'node:child_process';

/** Why the Moose baseline did not run, and how to make it run. */
export const MOOSE_SKIPPED =
  'Moose skipped: set SLUICE_BENCH_MOOSE_URL to a running Moose ingest API (e.g. http://127.0.0.1:4000/ingest/Event; docs/performance.md says how to start one), and SLUICE_BENCH_MOOSE_PID to count its CPU';

/** The Moose target from the environment, or undefined when none is set. */
export function mooseTarget():
  | { name: 'moose'; url: string; token: string; process?: ChildProcess; pid: number | undefined }
  | undefined {
  const url = process.env.SLUICE_BENCH_MOOSE_URL;
  if (!url) return undefined;
  const pid = Number(process.env.SLUICE_BENCH_MOOSE_PID);
  return { name: 'moose', url, token: '', pid: Number.isInteger(pid) && pid > 0 ? pid : undefined };
}
