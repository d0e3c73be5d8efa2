import { describe, expect, it } from 'vitest';
import { MAX_ALARM_WINDOW_SECONDS, noSuccessWindow } from '#infra/constructs/tenant-monitoring-defaults';

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
