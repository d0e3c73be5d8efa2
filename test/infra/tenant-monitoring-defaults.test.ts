import { describe, expect, it } from 'vitest';
import {
  MAX_ALARM_WINDOW_SECONDS,
  noSuccessWindow,
  scheduleIntervalSeconds,
} from '#infra/constructs/tenant-monitoring-defaults';

describe('scheduleIntervalSeconds', () => {
  it('reads a rate exactly, singular and plural', () => {
    expect(scheduleIntervalSeconds('rate(1 minute)')).toBe(60);
    expect(scheduleIntervalSeconds('rate(15 minutes)')).toBe(900);
    expect(scheduleIntervalSeconds('rate(2 hours)')).toBe(7_200);
    expect(scheduleIntervalSeconds('rate(1 day)')).toBe(86_400);
  });

  it('bounds a cron from above by its coarsest restricting field', () => {
    expect(scheduleIntervalSeconds('cron(0/5 * * * ? *)')).toBe(3_600);
    expect(scheduleIntervalSeconds('cron(0 3 * * ? *)')).toBe(86_400);
    expect(scheduleIntervalSeconds('cron(0 3 ? * MON *)')).toBe(7 * 86_400);
    expect(scheduleIntervalSeconds('cron(0 3 1 * ? *)')).toBe(31 * 86_400);
  });

  it('refuses what is not a schedule', () => {
    expect(() => scheduleIntervalSeconds('every day')).toThrow(/not a schedule expression/);
  });
});

describe('noSuccessWindow', () => {
  it('is one period of twice the interval up to a day', () => {
    expect(noSuccessWindow('rate(1 minute)')).toEqual({ periodSeconds: 120, evaluationPeriods: 1 });
    expect(noSuccessWindow('rate(12 hours)')).toEqual({ periodSeconds: 86_400, evaluationPeriods: 1 });
  });

  it('is hourly periods past a day, and never past 7 days', () => {
    expect(noSuccessWindow('rate(13 hours)')).toEqual({ periodSeconds: 3_600, evaluationPeriods: 26 });
    expect(noSuccessWindow('rate(1 day)')).toEqual({ periodSeconds: 3_600, evaluationPeriods: 48 });
    const weekly = noSuccessWindow('cron(0 3 ? * MON *)');
    expect(weekly.periodSeconds * weekly.evaluationPeriods).toBe(MAX_ALARM_WINDOW_SECONDS);
  });
});
