/** Summary statistics of repeated measurements: benchmarks report medians, never single runs. */

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** Rounds to `digits` decimals, for readable result files. */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Median, minimum and maximum of several runs, rounded. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

/** The spread of several runs. */
export function spread(runs: readonly number[], digits = 2): Spread {
  return {
    median: round(median(runs), digits),
    min: round(Math.min(...runs), digits),
    max: round(Math.max(...runs), digits),
    runs: runs.map((run) => round(run, digits)),
  };
}

/** `items` starting at `offset` and wrapping around: each round of a benchmark starts one further on. */
export function rotated<T>(items: readonly T[], offset: number): T[] {
  return items.map((_, index) => items[(index + offset) % items.length] as T);
}
