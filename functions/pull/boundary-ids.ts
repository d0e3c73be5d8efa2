/**
 * Incremental runs without duplicates at the boundary. Many APIs filter `updated_at >= since`,
 * so the records at the saved cursor value come back on every run. As dlt does (it keeps hashes
 * of the rows at the last value, dlt/extract/incremental/transform.py), a run remembers the ids
 * of the records it landed at its highest cursor value; the next run skips a record whose cursor
 * is that saved value and whose id is among them. The id is the record's `record_id` (from the
 * source's `id` pointer, or the whole record text without one), cut to 16 hex digits: 64 bits
 * are plenty among at most MAX_BOUNDARY_IDS, and keep the list small in the state item.
 */

import { MAX_BOUNDARY_IDS } from '#shared/pull/state-limits';
import { compareCursors } from './incremental-cursor.ts';

/** The cursor value and record id of a landed record. */
export interface RecordKey {
  readonly recordId: string;
  readonly cursor: string | undefined;
}

/** A cursor value and the ids of the records landed at it. */
export interface Boundary {
  readonly cursor: string | undefined;
  readonly ids: readonly string[];
}

/** The id kept in the state for a record. */
export function boundaryId(recordId: string): string {
  return recordId.slice(0, 16);
}

/** Decides whether a record was landed at the saved cursor already (by an earlier run). */
export function landedAtSavedCursor(saved: Boundary | undefined): (key: RecordKey) => boolean {
  if (saved?.cursor === undefined || saved.ids.length === 0) return () => false;
  const cursor = saved.cursor;
  const ids = new Set(saved.ids);
  return (key) =>
    key.cursor !== undefined && compareCursors(key.cursor, cursor) === 0 && ids.has(boundaryId(key.recordId));
}

/** The boundary after landing `keys`: a higher cursor starts a new id list, the same one adds to it (capped). */
export function advanceBoundary(boundary: Boundary, keys: readonly RecordKey[]): Boundary {
  let cursor = boundary.cursor;
  let ids = [...boundary.ids];
  for (const key of keys) {
    if (key.cursor === undefined) continue;
    const order = cursor === undefined ? 1 : compareCursors(key.cursor, cursor);
    if (order > 0) {
      cursor = key.cursor;
      ids = [boundaryId(key.recordId)];
    } else if (order === 0) {
      ids = withId(ids, boundaryId(key.recordId));
    }
  }
  return { cursor, ids };
}

/**
 * The ids to save with the cursor a succeeded run stores: the run's own when its highest cursor is
 * higher than the saved one, both lists when they are the same value, the saved ones otherwise.
 */
export function idsAtCursor(saved: Boundary, run: Boundary): readonly string[] {
  if (run.cursor === undefined) return saved.ids;
  if (saved.cursor === undefined) return run.ids;
  const order = compareCursors(run.cursor, saved.cursor);
  if (order > 0) return run.ids;
  if (order < 0) return saved.ids;
  return run.ids.reduce(withId, [...saved.ids]);
}

function withId(ids: string[], id: string): string[] {
  if (ids.length < MAX_BOUNDARY_IDS && !ids.includes(id)) ids.push(id);
  return ids;
}
