/**
 * Pure defaults of the tenant monitoring: how long a source's schedule interval is, and the
 * alarm window that says "no success within twice the schedule" within CloudWatch's limits.
 */

const UNIT_SECONDS = { minute: 60, hour: 3_600, day: 86_400 } as const;
const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;

/** CloudWatch evaluates at most 7 days of data per alarm. */
export const MAX_ALARM_WINDOW_SECONDS = 7 * 86_400;
/** Alarms with a period under an hour may evaluate at most one day. */
const MAX_SHORT_PERIOD_WINDOW_SECONDS = 86_400;

const restricts = (field: string | undefined) => field !== undefined && field !== '*' && field !== '?';

/**
 * The longest gap between two runs of a schedule, in seconds. Exact for `rate(...)`; for
 * `cron(...)` an upper bound read from the coarsest field that restricts: a day of the month
 * or a month (31 days), a day of the week (7 days), an hour (1 day), else an hour. An upper
 * bound errs on alarming late, never on alarming for a source that is on time.
 */
export function scheduleIntervalSeconds(expression: string): number {
  const rate = RATE.exec(expression);
  if (rate) return Number(rate[1]) * UNIT_SECONDS[rate[2] as keyof typeof UNIT_SECONDS];
  const cron = CRON.exec(expression);
  if (!cron) throw new Error(`not a schedule expression: ${expression}`);
  const [, , hours, dayOfMonth, month, dayOfWeek] = cron;
  if (restricts(dayOfMonth) || restricts(month)) return 31 * 86_400;
  if (restricts(dayOfWeek)) return 7 * 86_400;
  if (restricts(hours)) return 86_400;
  return 3_600;
}

/** Period and count of an alarm that must see no success across `windowSeconds`. */
export interface AlarmWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/**
 * Twice the schedule interval as periods CloudWatch accepts: one period (a multiple of a
 * minute) up to a day; past a day, hourly periods (a period of an hour or more may evaluate
 * up to 7 days), capped at 7 days.
 */
export function noSuccessWindow(scheduleExpression: string): AlarmWindow {
  const window = Math.min(2 * scheduleIntervalSeconds(scheduleExpression), MAX_ALARM_WINDOW_SECONDS);
  if (window <= MAX_SHORT_PERIOD_WINDOW_SECONDS) {
    return { periodSeconds: Math.ceil(window / 60) * 60, evaluationPeriods: 1 };
  }
  return { periodSeconds: 3_600, evaluationPeriods: Math.ceil(window / 3_600) };
}

/** Most alarms one CloudWatch alarm-status widget may list; the dashboard is refused past it. */
export const MAX_ALARMS_PER_STATUS_WIDGET = 100;

/** Splits `items` into runs of at most `size`, in order (one alarm-status widget per run). */
export function inGroupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}
