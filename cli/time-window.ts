/** `--since` / `--until`: a duration back from now (`90m`, `6h`, `7d`) or a date (`2024-05-01`, ISO time). */
import { UsageError } from './cli-io.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const HOUR_MS = UNIT_MS.h;

/** A time window; either end may be open. */
export interface TimeWindow {
  readonly since?: Date;
  readonly until?: Date;
}

/** Parses one end of a window; a wrong value throws UsageError carrying the usage text. */
function parseTimePoint(value: string, name: string, now: Date, usage: string): Date {
  const duration = /^(\d{1,6})([mhd])$/.exec(value);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  // Dates only: a bare number would be read as a year or epoch milliseconds, never what was meant.
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(
      `${name} must be a duration (90m, 6h, 7d) or a date (2024-05-01, 2024-05-01T09:00:00Z)`,
      usage,
    );
  }
  return at;
}

/** The window of `--since` and `--until`. */
export function parseTimeWindow(
  values: { since?: string | undefined; until?: string | undefined },
  now: Date,
  usage: string,
): TimeWindow {
  const since = values.since === undefined ? undefined : parseTimePoint(values.since, '--since', now, usage);
  const until = values.until === undefined ? undefined : parseTimePoint(values.until, '--until', now, usage);
  if (since && until && until < since) throw new UsageError('--until must not be before --since', usage);
  return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

const PARTITIONS = /\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//;

/** The start of the hour partition a key sits in, or undefined for a key outside the layout. */
function keyHour(key: string): Date | undefined {
  const match = PARTITIONS.exec(key);
  if (!match) return undefined;
  const [, year, month, day, hour] = match.map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour));
}

/** Whether a key's hour partition overlaps the window (a batch may hold records from any part of its hour). */
export function keyInWindow(key: string, window: TimeWindow): boolean {
  const hour = keyHour(key);
  if (!hour) return false;
  if (window.since && hour.getTime() + HOUR_MS <= window.since.getTime()) return false;
  if (window.until && hour.getTime() > window.until.getTime()) return false;
  return true;
}

const pad = (value: number): string => String(value).padStart(2, '0');

/** Most hour partitions one window may list; past it the command asks for a shorter window. */
const MAX_WINDOW_HOURS = 24 * 366;

/** The hour partition prefixes (`year=…/month=…/day=…/hour=…/`) of a closed window, oldest first. */
export function windowHourPrefixes(since: Date, until: Date): string[] {
  const first = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS;
  const prefixes: string[] = [];
  for (let at = first; at <= until.getTime() && prefixes.length < MAX_WINDOW_HOURS; at += HOUR_MS) {
    const hour = new Date(at);
    prefixes.push(
      `year=${hour.getUTCFullYear()}/month=${pad(hour.getUTCMonth() + 1)}/day=${pad(hour.getUTCDate())}/hour=${pad(hour.getUTCHours())}/`,
    );
  }
  return prefixes;
}
