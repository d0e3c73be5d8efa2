/**
 * The check a run makes before it delivers a page: would the progress it then saves fit the
 * state limits of shared/pull/state-limits.ts? A state that cannot be saved after a page was
 * delivered lands that page again on every later run; refused before delivery, it lands nothing.
 */
import type { RunProgress } from '#shared/pull/pull-run';
import { MAX_SAVED_RUN_BYTES, MAX_SAVED_VALUE_BYTES, utf8Bytes } from '#shared/pull/state-limits';

const count = (n: number) => n.toLocaleString('en');

// The JSON size of each `seen` list measured so far. A run's list grows by one digest a page
// (`seenWith`), so its size is the previous list's plus the digest's, not a new look at all of
// it: at the default maxPages that look would cost each page more than reading it.
const seenBytes = new WeakMap<readonly string[], number>();

function seenJsonBytes(seen: readonly string[]): number {
  let bytes = seenBytes.get(seen);
  if (bytes === undefined) {
    bytes = utf8Bytes(JSON.stringify(seen));
    seenBytes.set(seen, bytes);
  }
  return bytes;
}

/** `seen` with `key` added, its size known from `seen`'s. */
export function seenWith(seen: readonly string[], key: string): readonly string[] {
  const next = [...seen, key];
  seenBytes.set(next, seenJsonBytes(seen) + utf8Bytes(JSON.stringify(key)) + (seen.length > 0 ? 1 : 0));
  return next;
}

/** Why `next` cannot be saved (the summary's reason, naming the limit), or undefined when it fits. */
export function stateLimitProblem(next: RunProgress): string | undefined {
  const values: readonly (readonly [string, string | undefined])[] = [
    ['the next-page cursor', next.position?.cursor],
    ['the next-page URL', next.position?.url],
    ['the highest incremental cursor value', next.highestCursor],
  ];
  for (const [what, value] of values) {
    const bytes = value === undefined ? 0 : utf8Bytes(value);
    if (bytes > MAX_SAVED_VALUE_BYTES) {
      return (
        `state limit: ${what} the API sent is ${count(bytes)} bytes, over the ${count(MAX_SAVED_VALUE_BYTES)} ` +
        'bytes a saved value may have (DynamoDB item limit); the page was not delivered'
      );
    }
  }
  // `"seen":[]` stands in for the list, whose own size is known.
  const total = utf8Bytes(JSON.stringify({ ...next, seen: [] })) - 2 + seenJsonBytes(next.seen);
  if (total > MAX_SAVED_RUN_BYTES) {
    return (
      `state limit: the run's saved progress would be ${count(total)} bytes, over the ${count(MAX_SAVED_RUN_BYTES)} ` +
      'bytes it may have (DynamoDB item limit; lower maxPages); the page was not delivered'
    );
  }
  return undefined;
}
