/**
 * Moose's ingest API as a throughput baseline (issue 24). The benchmark does not start Moose:
 * /work/shared/peers/moose/START.md (outside this repository) says how to bring `moose dev
 * --dockerless` up on this machine, with the `Event` model of its project (id, ts, source,
 * payload). Point SLUICE_BENCH_MOOSE_URL at its ingest route and, to count its CPU per request,
 * SLUICE_BENCH_MOOSE_PID at the moose-cli process. Moose gets a 1 KiB Event where Sluice gets a
 * 1 KiB order: each posts a body its own schema accepts.
 */
import type { ChildProcess } from 'node:child_process';

/** Why the Moose baseline did not run, and how to make it run. */
export const MOOSE_SKIPPED =
  'Moose skipped: set SLUICE_BENCH_MOOSE_URL to a running Moose ingest API (e.g. http://127.0.0.1:4300/ingest/Event; docs/performance.md says how to start one), and SLUICE_BENCH_MOOSE_PID to count its CPU';

/** A 1,024-byte record of Moose's `Event` model. */
export function mooseEventBody(bytes = 1024): string {
  const head = JSON.stringify({ id: 'bench-0001', ts: 1764806400000, source: 'sluice-bench', payload: '' });
  return `${head.slice(0, -2)}${'x'.repeat(Math.max(0, bytes - head.length))}"}`;
}

/** The Moose target from the environment, or undefined when none is set. */
export function mooseTarget():
  | { name: 'moose'; url: string; token: string; body: string; process?: ChildProcess; pid: number | undefined }
  | undefined {
  const url = process.env.SLUICE_BENCH_MOOSE_URL;
  if (!url) return undefined;
  const pid = Number(process.env.SLUICE_BENCH_MOOSE_PID);
  return {
    name: 'moose',
    url,
    token: '',
    body: mooseEventBody(),
    pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
  };
}
