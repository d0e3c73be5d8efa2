import { describe, expect, it } from 'vitest';
import { ALARM_SPECS, type AlarmSpec, alarmCondition } from '#shared/observability/operations-alarms';

describe('an alarm spec', () => {
  it('says its condition from the numbers the alarm is built from', () => {
    expect(alarmCondition(ALARM_SPECS.functionErrors)).toBe('at least 1 in 5 minutes');
    expect(alarmCondition(ALARM_SPECS.throttledRecords)).toBe('at least 1 in 2 of the last 3 five-minute periods');
    expect(alarmCondition(ALARM_SPECS.serverErrors)).toBe('above 1% in 5 minutes, counted only once 20 requests came');
    expect(alarmCondition(ALARM_SPECS.deliverySuccess)).toBe('below 1 in 5 minutes');
  });

  it('follows a changed threshold, comparison or window instead of keeping old prose', () => {
    const spec: AlarmSpec = { ...ALARM_SPECS.functionErrors, comparison: 'above', threshold: 7, evaluationPeriods: 4 };
    expect(alarmCondition(spec)).toBe('above 7 in 4 of the last 4 five-minute periods');
    expect(alarmCondition({ ...spec, datapointsToAlarm: 3 })).toBe('above 7 in 3 of the last 4 five-minute periods');
  });

  it('names the config key where the config sets the threshold or the window', () => {
    expect(alarmCondition(ALARM_SPECS.deadLetters)).toContain('`alarms.deadLetterRecordsPerFiveMinutes` (default 100)');
    expect(alarmCondition(ALARM_SPECS.pullStale)).toBe(
      'below 1 within twice the source’s schedule interval (at most 7 days)',
    );
  });

  it('counts silence as a breach only for the alarm that watches for silence', () => {
    const breaching = Object.values(ALARM_SPECS).filter((spec) => spec.missingData === 'breaching');
    expect(breaching.map((spec) => spec.name)).toEqual(['PullNotSucceeded']);
  });
});
