/**
 * The one parser of a source's EventBridge Scheduler expression, read by config validation,
 * by the local scheduler (so that `sluice dev` runs sources on the schedules `cdk deploy` gives
 * them) and by the monitoring (the longest gap between runs). `rate(n unit)` runs at start and
 * then every n units (Scheduler's first rate run is when the schedule is created), with
 * Scheduler's grammar: `rate(1 minute)`, `rate(5 minutes)`. `cron(minutes hours day-of-month
 * month day-of-week year)` is EventBridge's six-field syntax in UTC, with `*`, `?`, lists,
 * ranges, `/` steps and month and day names. `L`, `W` and `#` in the day fields are valid on
 * AWS, so config validation takes them, but local mode refuses to run them by name rather
 * than guess. Written here because cron-parser and its peers take Unix cron (five or six
 * fields with seconds, no year and no `?`), not EventBridge's.
 */

/** A parsed schedule. */
export interface Schedule {
  readonly expression: string;
  /**
   * The first run time strictly after `after`; for rate schedules `after` is the previous run's.
   * Throws {@link ScheduleError} for a cron schedule with `L`, `W` or `#`, which local mode does not run.
   */
  next(after: Date): Date;
  /**
   * The longest gap between two runs, in seconds. Exact for `rate(...)`; for `cron(...)` an
   * upper bound read from the coarsest field that restricts: a day of the month or a month (31
   * days), a day of the week (7 days), an hour (1 day), else an hour. An upper bound errs on
   * alarming late, never on alarming for a source that is on time.
   */
  readonly longestGapSeconds: number;
  /** Whether the first run is at start (rate) or waits for the first matching time (cron). */
  readonly runsAtStart: boolean;
}

/** A schedule expression that local mode cannot run. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
// Scheduler's grammar: the unit is singular for 1 and plural above.
const RATE = /^rate\((?:(1) (minute|hour|day)|([2-9]|[1-9]\d+) (minute|hour|day)s)\)$/;
const CRON = /^cron\((.+)\)$/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Years a cron schedule is searched for a next time; EventBridge's year field ends at 2199. */
const LAST_YEAR = 2199;

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'year', min: 1970, max: LAST_YEAR },
];

function value(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const number = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(number >= field.min && number <= field.max)) {
    throw new ScheduleError(`${field.name}: "${text}" is not a value from ${field.min} to ${field.max}`);
  }
  return number;
}

/** A day field with `L`, `W` or `#`: valid for Scheduler, not run by local mode. */
const AWS_ONLY_DAY = {
  'day-of-month': /^(L|LW|L-([1-9]|[12]\d|30)|([1-9]|[12]\d|3[01])W)$/,
  'day-of-week': /^(L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/i,
} as Readonly<Record<string, RegExp>>;

/** `L`, `W` or `#` in a day field. */
class AwsOnlyDay {
  constructor(readonly message: string) {}
}

/** The set of values a field allows; undefined for `*` and `?` (every value). */
function parseField(text: string, field: Field): Set<number> | AwsOnlyDay | undefined {
  if (text === '*' || text === '?') return undefined;
  // Month and day names (WED, JUL) hold the letters, so they are taken out before the check.
  const withoutNames = text.toUpperCase().replace(/[A-Z]{3}/g, (name) => (field.names?.includes(name) ? '' : name));
  if (/[LW#]/.test(withoutNames)) {
    if (AWS_ONLY_DAY[field.name]?.test(text)) {
      return new AwsOnlyDay(`${field.name}: "${text}" uses L, W or #, which local mode does not run`);
    }
    throw new ScheduleError(`${field.name}: "${text}" is not a value, range, list or step Scheduler takes`);
  }
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`${field.name}: "${part}" has a bad step`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [low = '', high = ''] = range.split('-');
      [from, to] = [value(low, field), value(high, field)];
    } else {
      from = value(range, field);
      to = stepText === undefined ? from : field.max;
    }
    if (from > to) throw new ScheduleError(`${field.name}: "${part}" is an empty range`);
    for (let number = from; number <= to; number += step) values.add(number);
  }
  return values;
}

const allows = (set: Set<number> | undefined, number: number) => set === undefined || set.has(number);

/** The coarsest restricting field's bound on the gap between two runs (see {@link Schedule.longestGapSeconds}). */
function cronLongestGapSeconds(texts: readonly string[]): number {
  const restricts = (text: string | undefined) => text !== undefined && text !== '*' && text !== '?';
  const [, hours, dayOfMonth, month, dayOfWeek] = texts;
  if (restricts(dayOfMonth) || restricts(month)) return 31 * 86_400;
  if (restricts(dayOfWeek)) return 7 * 86_400;
  if (restricts(hours)) return 86_400;
  return 3_600;
}

function parseCron(expression: string, body: string): Schedule {
  const texts = body.trim().split(/\s+/);
  if (texts.length !== 6)
    throw new ScheduleError('cron(...) takes six fields: minutes hours day-of-month month day-of-week year');
  const parsed = FIELDS.map((field, index) => parseField(texts[index] ?? '', field));
  if ((texts[2] === '?') === (texts[4] === '?')) {
    throw new ScheduleError('cron(...) needs "?" in exactly one of day-of-month and day-of-week');
  }
  const awsOnly = parsed.find((field) => field instanceof AwsOnlyDay);
  // Only the day fields can be AwsOnlyDay, and a schedule with one never reaches the loop.
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parsed as (Set<number> | undefined)[];
  const minuteList = [...(minutes ?? range(0, 59))].sort((a, b) => a - b);
  const hourList = [...(hours ?? range(0, 23))].sort((a, b) => a - b);
  return {
    expression,
    runsAtStart: false,
    longestGapSeconds: cronLongestGapSeconds(texts),
    next(after) {
      if (awsOnly) throw new ScheduleError(awsOnly.message);
      const day = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
      while (day.getUTCFullYear() <= LAST_YEAR) {
        const dayMatches =
          allows(year, day.getUTCFullYear()) &&
          allows(month, day.getUTCMonth() + 1) &&
          allows(dayOfMonth, day.getUTCDate()) &&
          allows(dayOfWeek, day.getUTCDay() + 1);
        if (dayMatches) {
          for (const hour of hourList) {
            for (const minute of minuteList) {
              const at = new Date(day.getTime() + hour * UNIT_MS.hour + minute * UNIT_MS.minute);
              if (at > after) return at;
            }
          }
        }
        day.setUTCDate(day.getUTCDate() + 1);
      }
      throw new ScheduleError(`${expression} has no time left before ${LAST_YEAR + 1}`);
    },
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** Parses a `rate(...)` or `cron(...)` expression; throws {@link ScheduleError} saying what is wrong. */
export function parseSchedule(expression: string): Schedule {
  const rate = RATE.exec(expression);
  if (rate) {
    const count = Number(rate[1] ?? rate[3]);
    const unit = (rate[2] ?? rate[4]) as keyof typeof UNIT_MS;
    const interval = count * UNIT_MS[unit];
    return {
      expression,
      runsAtStart: true,
      longestGapSeconds: interval / 1000,
      next: (after) => new Date(after.getTime() + interval),
    };
  }
  const cron = CRON.exec(expression);
  if (cron) return parseCron(expression, cron[1] ?? '');
  throw new ScheduleError(
    'a schedule is rate(1 minute|hour|day), rate(n minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year)',
  );
}
