/**
 * The check a run makes before it delivers a page: would the progress it then saves fit the
 * state limits of shared/pull/state-limits.ts? A state that cannot be saved after a page was
 * delivered lands that page again on every later run; refused before delivery, it lands nothing.
 */
import type { RunProgress } from '#shared/pull/pull-run';
import { MAX_SAVED_RUN_BYTES, MAX_SAVED_VALUE_BYTES, utf8Bytes } from '#shared/pull/state-limits';

const count = (n: number) => n.toLocaleString('en');

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
  const total = utf8Bytes(JSON.stringify(next));
  if (total > MAX_SAVED_RUN_BYTES) {
    return (
      `state limit: the run's saved progress would be ${count(total)} bytes, over the ${count(MAX_SAVED_RUN_BYTES)} ` +
      'bytes it may have (DynamoDB item limit; lower maxPages); the page was not delivered'
    );
  }
  return undefined;
}
