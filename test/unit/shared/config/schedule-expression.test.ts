import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError } from '#shared/config/schedule-expression';
import { SourceSchema } from '#shared/config/source-config';

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

  it('takes L, W and # in the day fields, as Scheduler does, but refuses to run them locally, saying which field', () => {
    for (const expression of [
      'cron(0 12 L * ? *)',
      'cron(0 12 15W * ? *)',
      'cron(0 12 ? * 2#1 *)',
      'cron(0 12 ? * 6L *)',
    ]) {
      expect(() => parseSchedule(expression)).not.toThrow();
    }
    const after = at('2025-01-01T00:00:00Z');
    expect(() => parseSchedule('cron(0 12 L * ? *)').next(after)).toThrow(/day-of-month: "L" uses L, W or #/);
    expect(() => parseSchedule('cron(0 12 ? * 2#1 *)').next(after)).toThrow(/day-of-week: "2#1" uses L, W or #/);
  });

  it('refuses what Scheduler refuses, saying which field', () => {
    expect(() => parseSchedule('cron(L 12 * * ? *)')).toThrow(/minutes: "L"/);
    expect(() => parseSchedule('cron(0 12 ? * 2#9 *)')).toThrow(/day-of-week: "2#9"/);
    expect(() => parseSchedule('rate(5 minute)')).toThrow(ScheduleError);
    expect(() => parseSchedule('rate(1 minutes)')).toThrow(ScheduleError);
    expect(() => parseSchedule('rate(0 minutes)')).toThrow(ScheduleError);
    expect(() => parseSchedule('cron(60 * * * ? *)')).toThrow(/minutes: "60" is not a value from 0 to 59/);
    expect(() => parseSchedule('cron(0 * * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseSchedule('cron(0 * * * ?)')).toThrow(/six fields/);
    expect(() => parseSchedule('cron(0 0 1 1 ? 2020)').next(at('2025-01-01T00:00:00Z'))).toThrow(ScheduleError);
    expect(() => parseSchedule('every minute')).toThrow(ScheduleError);
  });
});

describe('the longest gap between two runs (the monitoring reads it)', () => {
  it('reads a rate exactly, singular and plural', () => {
    expect(parseSchedule('rate(1 minute)').longestGapSeconds).toBe(60);
    expect(parseSchedule('rate(15 minutes)').longestGapSeconds).toBe(900);
    expect(parseSchedule('rate(2 hours)').longestGapSeconds).toBe(7_200);
    expect(parseSchedule('rate(1 day)').longestGapSeconds).toBe(86_400);
  });

  it('bounds a cron from above by its coarsest restricting field', () => {
    expect(parseSchedule('cron(0/5 * * * ? *)').longestGapSeconds).toBe(3_600);
    expect(parseSchedule('cron(0 3 * * ? *)').longestGapSeconds).toBe(86_400);
    expect(parseSchedule('cron(0 3 ? * MON *)').longestGapSeconds).toBe(7 * 86_400);
    expect(parseSchedule('cron(0 3 1 * ? *)').longestGapSeconds).toBe(31 * 86_400);
    expect(parseSchedule('cron(0 3 L * ? *)').longestGapSeconds).toBe(31 * 86_400);
  });
});

describe('config validation of a source schedule', () => {
  const source = (schedule: string) =>
    v.safeParse(SourceSchema, { stream: 'events', schedule, request: { url: 'https://api.example.com/items' } });

  it('takes what Scheduler takes and refuses, naming the syntax, what the local scheduler cannot parse', () => {
    expect(source('rate(5 minutes)').success).toBe(true);
    expect(source('cron(0 12 L * ? *)').success).toBe(true);
    for (const bad of ['cron(60 * * * ? *)', 'rate(5 minute)', 'cron(0 * * * * *)']) {
      const result = source(bad);
      expect(result.success).toBe(false);
      expect(result.issues?.[0]?.message).toBe(
        'schedule must be EventBridge Scheduler syntax: rate(5 minutes) or cron(0 * * * ? *)',
      );
    }
  });

  it('never fails on any text other than with a ScheduleError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((body) => `cron(${body})`),
        ),
        (text) => {
          try {
            parseSchedule(text).next(at('2025-01-01T00:00:00Z'));
          } catch (error) {
            expect(error).toBeInstanceOf(ScheduleError);
          }
        },
      ),
    );
  });
});
