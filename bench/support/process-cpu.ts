/**
 * CPU time of a server and every process below it, read from /proc: requests per second swing
 * with whatever else the machine runs, CPU time per request holds steady.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// utime and stime are in clock ticks; 100 on every Linux we know, but asked rather than assumed.
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessStat {
  readonly pid: number;
  readonly parent: number;
  readonly ticks: number;
}

/**
 * The fields of a /proc stat file after the command name, from field 3 (state) on: the name
 * (field 2) may hold spaces and parentheses, so they count from its last `)`. Field n is at n - 3.
 */
function statFields(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function readStat(pid: number, path = `/proc/${pid}/stat`): ProcessStat | undefined {
  try {
    const fields = statFields(path);
    // ppid (field 4), utime (14), stime (15).
    return { pid, parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function processTree(pid: number): { all: ProcessStat[]; tree: Set<number> } {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcessStat => stat !== undefined);
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const stat of all) {
      if (!tree.has(stat.pid) && tree.has(stat.parent)) {
        tree.add(stat.pid);
        grew = true;
      }
    }
  }
  return { all, tree };
}

/** User + system CPU microseconds used so far by `pid`, its threads and its live descendants. */
export function processTreeCpuMicroseconds(pid: number): number {
  const { all, tree } = processTree(pid);
  const ticks = all.filter((stat) => tree.has(stat.pid)).reduce((sum, stat) => sum + stat.ticks, 0);
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** User + system CPU microseconds used so far by the main thread of `pid` (its thread with the same id). */
export function mainThreadCpuMicroseconds(pid: number): number {
  const stat = readStat(pid, `/proc/${pid}/task/${pid}/stat`);
  return stat === undefined ? Number.NaN : (stat.ticks * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * User + system CPU microseconds of this process's children that have ended and been waited
 * for (cutime and cstime of /proc/self/stat): read around one short-lived child, its CPU.
 */
export function endedChildrenCpuMicroseconds(): number {
  const fields = statFields('/proc/self/stat');
  // cutime (16), cstime (17).
  return ((Number(fields[13]) + Number(fields[14])) * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident memory of `pid` and its live descendants now, in bytes (VmRSS of each). */
export function processTreeRssBytes(pid: number): number {
  let bytes = 0;
  for (const member of processTree(pid).tree) {
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      bytes += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // The process ended between the listing and this read.
    }
  }
  return bytes;
}
