/**
 * When a source's next run is due, from its EventBridge Scheduler expression, so that
 * `sluice dev` runs sources on the schedules `cdk deploy` gives them. `rate(n unit)` runs at
 * start and then every n units (Scheduler's first rate run is when the schedule is created).
 * `cron(minutes hours day-of-month month day-of-week year)` is EventBridge's six-field syntax
 * in UTC, with `*`, `?`, lists, ranges, `/` steps and month and day names; `L`, `W` and `#`
 * are refused by name rather than guessed (a library such as cron-parser would add them).
 */

/** A parsed schedule. */
export interface Schedule {
  readonly expression: string;
  /** The first run time strictly after `after`; for rate schedules `after` is the previous run's. */
  next(after: Date): Date;
  /** Whether the first run is at start (rate) or waits for the first matching time (cron). */
  readonly runsAtStart: boolean;
}

/** A schedule expression that local mode cannot run. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;
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

/** The set of values a field allows; undefined for `*` and `?` (every value). */
function parseField(text: string, field: Field): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  // Month and day names (WED, JUL) hold the letters, so they are taken out before the check.
  const withoutNames = text.toUpperCase().replace(/[A-Z]{3}/g, (name) => (field.names?.includes(name) ? '' : name));
  if (/[LW#]/.test(withoutNames)) {
    throw new ScheduleError(`${field.name}: "${text}" uses L, W or #, which local mode does not run`);
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

function parseCron(expression: string, body: string): Schedule {
  const texts = body.trim().split(/\s+/);
  if (texts.length !== 6)
    throw new ScheduleError('cron(...) takes six fields: minutes hours day-of-month month day-of-week year');
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = FIELDS.map((field, index) =>
    parseField(texts[index] ?? '', field),
  );
  if ((texts[2] === '?') === (texts[4] === '?')) {
    throw new ScheduleError('cron(...) needs "?" in exactly one of day-of-month and day-of-week');
  }
  const minuteList = [...(minutes ?? range(0, 59))].sort((a, b) => a - b);
  const hourList = [...(hours ?? range(0, 23))].sort((a, b) => a - b);
  return {
    expression,
    runsAtStart: false,
    next(after) {
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
    const count = Number(rate[1]);
    const unit = rate[2] as keyof typeof UNIT_MS;
    if (count < 1) throw new ScheduleError('rate(...) needs a value of 1 or more');
    const interval = count * UNIT_MS[unit];
    return { expression, runsAtStart: true, next: (after) => new Date(after.getTime() + interval) };
  }
  const cron = CRON.exec(expression);
  if (cron) return parseCron(expression, cron[1] ?? '');
  throw new ScheduleError(
    'a schedule is rate(n minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year)',
  );
}
