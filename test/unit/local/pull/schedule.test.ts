import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError } from '#local/pull/schedule';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => parseSchedule(expression).next(at(after)).toISOString();

describe('schedules in local mode', () => {
  it('runs a rate schedule at start, then every interval after the previous run', () => {
    expect(parseSchedule('rate(1 minute)').runsAtStart).toBe(true);
    expect(next('rate(1 minute)', '2025-01-06T09:00:30.000Z')).toBe('2025-01-06T09:01:30.000Z');
    expect(next('rate(15 minutes)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-06T09:15:00.000Z');
    expect(next('rate(2 hours)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-06T11:00:00.000Z');
    expect(next('rate(1 day)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-07T09:00:00.000Z');
  });

  it('runs a cron schedule at the next matching minute, strictly after the given time, in UTC', () => {
    expect(parseSchedule('cron(0 * * * ? *)').runsAtStart).toBe(false);
    expect(next('cron(0 * * * ? *)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-06T10:00:00.000Z');
    expect(next('cron(0 * * * ? *)', '2025-01-06T08:59:59.999Z')).toBe('2025-01-06T09:00:00.000Z');
    expect(next('cron(*/15 * * * ? *)', '2025-01-06T09:16:00.000Z')).toBe('2025-01-06T09:30:00.000Z');
  });

  it('takes lists, ranges, steps and day and month names', () => {
    // 2025-01-06 is a Monday; EventBridge counts SUN as 1.
    expect(next('cron(30 8 ? * MON-FRI *)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-07T08:30:00.000Z');
    expect(next('cron(30 8 ? * 1,7 *)', '2025-01-06T09:00:00.000Z')).toBe('2025-01-11T08:30:00.000Z');
    expect(next('cron(0 0 1 JAN,JUL ? *)', '2025-01-06T09:00:00.000Z')).toBe('2025-07-01T00:00:00.000Z');
    expect(next('cron(0 6-18/6 * * ? 2026)', '2025-01-06T09:00:00.000Z')).toBe('2026-01-01T06:00:00.000Z');
    expect(next('cron(5 12 31 * ? *)', '2025-02-01T00:00:00.000Z')).toBe('2025-03-31T12:05:00.000Z');
  });

  it('refuses what it cannot run, saying which field', () => {
    expect(() => parseSchedule('cron(0 12 L * ? *)')).toThrow(/day-of-month: "L" uses L, W or #/);
    expect(() => parseSchedule('cron(0 12 ? * 2#1 *)')).toThrow(/day-of-week/);
    expect(() => parseSchedule('cron(60 * * * ? *)')).toThrow(/minutes: "60" is not a value from 0 to 59/);
    expect(() => parseSchedule('cron(0 * * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseSchedule('cron(0 * * * ?)')).toThrow(/six fields/);
    expect(() => parseSchedule('cron(0 0 1 1 ? 2020)').next(at('2025-01-01T00:00:00Z'))).toThrow(ScheduleError);
    expect(() => parseSchedule('every minute')).toThrow(ScheduleError);
  });
});
