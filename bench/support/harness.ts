/**
 * A small timing harness: warm-up, iterations calibrated to a time per run, several runs
 * interleaved across cases (so that machine noise hits every case alike), medians.
 */
import { type Spread, spread } from './stats.ts';

/** One thing to time: called once per iteration, awaited when it returns a promise. */
export type Operation = () => unknown;

/** Options of {@link measure}. */
export interface MeasureOptions {
  readonly runs: number;
  /** Target duration of one run of one operation. */
  readonly runMs: number;
  /** Warm-up duration per operation, before calibration. */
  readonly warmupMs: number;
}

/** Per operation: microseconds per call, and CPU microseconds per call, over the runs. */
export interface Timing {
  readonly microseconds: Spread;
  readonly cpuMicroseconds: Spread;
  readonly iterationsPerRun: number;
}

async function loop(operation: Operation, iterations: number): Promise<void> {
  for (let index = 0; index < iterations; index++) {
    const result = operation();
    if (result instanceof Promise) await result;
  }
}

async function timeRun(operation: Operation, iterations: number): Promise<{ wall: number; cpu: number }> {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await loop(operation, iterations);
  const wall = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  const cpuUsed = process.cpuUsage(cpuBefore);
  return { wall, cpu: (cpuUsed.user + cpuUsed.system) / iterations };
}

async function calibrate(operation: Operation, options: MeasureOptions): Promise<number> {
  const until = performance.now() + options.warmupMs;
  let calls = 0;
  const start = performance.now();
  while (performance.now() < until || calls < 10) {
    await loop(operation, 1);
    calls += 1;
  }
  const perCallMs = (performance.now() - start) / calls;
  return Math.max(10, Math.ceil(options.runMs / perCallMs));
}

/** Times every operation: warm-up and calibration each, then `runs` rounds over all of them. */
export async function measure(
  operations: Readonly<Record<string, Operation>>,
  options: MeasureOptions,
  progress: (message: string) => void = () => undefined,
): Promise<Record<string, Timing>> {
  const names = Object.keys(operations);
  const iterations = new Map<string, number>();
  for (const name of names) {
    const operation = operations[name];
    if (operation) iterations.set(name, await calibrate(operation, options));
  }
  const wall = new Map<string, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let run = 0; run < options.runs; run++) {
    progress(`run ${run + 1}/${options.runs}`);
    for (const name of names) {
      const operation = operations[name];
      const count = iterations.get(name) ?? 10;
      if (!operation) continue;
      const result = await timeRun(operation, count);
      wall.get(name)?.push(result.wall);
      cpu.get(name)?.push(result.cpu);
    }
  }
  const timings: Record<string, Timing> = {};
  for (const name of names) {
    timings[name] = {
      microseconds: spread(wall.get(name) ?? []),
      cpuMicroseconds: spread(cpu.get(name) ?? []),
      iterationsPerRun: iterations.get(name) ?? 0,
    };
  }
  return timings;
}
