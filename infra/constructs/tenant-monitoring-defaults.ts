/**
 * Pure defaults of the tenant monitoring: how long a source's schedule interval is, and the
 * alarm window that says "no success within twice the schedule" within CloudWatch's limits.
 */
import { parseSchedule } from '#shared/config/schedule-expression';

/** CloudWatch evaluates at most 7 days of data per alarm. */
export const MAX_ALARM_WINDOW_SECONDS = 7 * 86_400;
/** Alarms with a period under an hour may evaluate at most one day. */
const MAX_SHORT_PERIOD_WINDOW_SECONDS = 86_400;

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
  const window = Math.min(2 * parseSchedule(scheduleExpression).longestGapSeconds, MAX_ALARM_WINDOW_SECONDS);
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
