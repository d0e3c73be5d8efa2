/**
 * Incremental cursors: the value a record carries at `incremental.cursor` (an ISO 8601 time
 * or a number), which of two is higher, and the lower bound a run sends (the highest committed
 * value minus `lookbackSeconds`, so that updates that land late are read again).
 */
import { jsonPointerText } from '#shared/framing/json-pointer-text';

const INTEGER = /^-?[0-9]+$/;
const NUMBER = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** The cursor value of a record (its text: strings unquoted, numbers exactly as sent), or undefined. */
export function recordCursor(recordText: string, pointer: string): string | undefined {
  const text = jsonPointerText(recordText, pointer);
  if (text === undefined || text === 'null') return undefined;
  if (text.startsWith('"')) return JSON.parse(text) as string;
  return NUMBER.test(text) ? text : undefined;
}

/** Negative, zero or positive as `a` is lower than, equal to or higher than `b`. */
export function compareCursors(a: string, b: string): number {
  // 64-bit ids and epoch microseconds do not fit a double: integers compare exactly.
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const difference = BigInt(a) - BigInt(b);
    return difference === 0n ? 0 : difference < 0n ? -1 : 1;
  }
  if (NUMBER.test(a) && NUMBER.test(b)) return Number(a) - Number(b);
  const timeA = Date.parse(a);
  const timeB = Date.parse(b);
  if (!Number.isNaN(timeA) && !Number.isNaN(timeB) && timeA !== timeB) return timeA - timeB;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The higher of two cursors, either of which may be missing. */
export function higherCursor(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareCursors(a, b) >= 0 ? a : b;
}

/**
 * The lower bound a run sends: the cursor minus the lookback. A number is taken as seconds
 * (epoch seconds); a time stays an ISO 8601 time in UTC. Without a lookback the cursor is sent as it is.
 */
export function lowerBound(cursor: string, lookbackSeconds: number): string {
  if (lookbackSeconds === 0) return cursor;
  if (NUMBER.test(cursor)) {
    return INTEGER.test(cursor)
      ? (BigInt(cursor) - BigInt(lookbackSeconds)).toString()
      : String(Number(cursor) - lookbackSeconds);
  }
  const time = Date.parse(cursor);
  if (Number.isNaN(time)) return cursor;
  return new Date(time - lookbackSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
