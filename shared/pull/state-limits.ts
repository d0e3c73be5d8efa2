/**
 * How big a source's saved state may grow. On AWS one source's state is one DynamoDB item, and
 * DynamoDB refuses an item over 400 KB: a run whose next save would be refused must not deliver
 * the page first (it would land again on every later run) nor leave its lease held. So the
 * runner measures what it is about to save before it delivers the page, against these limits,
 * and ends the run `failed` (`state limit`) naming the one passed.
 *
 * The budget of one item, worst case: the run's progress up to MAX_SAVED_RUN_BYTES, plus the
 * saved cursor and its boundary ids, the last run's summary (its reason names at most one URL)
 * and the attribute names: about 60 KB. That leaves about 45 KB below DynamoDB's limit.
 */

/** DynamoDB's item limit (names and values), which the local dynalite enforces too. */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

/**
 * UTF-8 bytes of one saved value the API chooses: a next-page cursor, a next-page URL, an
 * incremental cursor value. Real cursors and URLs are far smaller (most servers refuse a URL
 * over 8 KiB); a larger one is an API bug or a hostile API.
 */
export const MAX_SAVED_VALUE_BYTES = 16 * 1024;

/**
 * Bytes of a run's saved progress as JSON (position, loop-detection digests, boundary ids).
 * At the default maxPages (10,000) the digests take about 190 KB; a source with a higher
 * maxPages can reach this limit, and its run then ends `failed` before the page that would pass it.
 */
export const MAX_SAVED_RUN_BYTES = 300_000;

/**
 * Ids remembered of the records at the highest cursor value (to skip them when an API that
 * filters with `>=` sends them again). More records than this at one cursor value: the ones
 * past the cap may land again on the next run (same `record_id`).
 */
export const MAX_BOUNDARY_IDS = 1_000;

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
