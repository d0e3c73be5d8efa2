import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceBoundary, boundaryId, idsAtCursor, landedAtSavedCursor } from '#functions/pull/boundary-ids';
import { compareCursors } from '#functions/pull/incremental-cursor';
import { MAX_BOUNDARY_IDS } from '#shared/pull/state-limits';

const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
// Few distinct values, so that keys often share one.
const cursor = fc.option(fc.constantFrom('1', '2', '3', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'), {
  nil: undefined,
});
const keys = fc.array(fc.record({ recordId: hex, cursor }), { maxLength: 60 });

describe('the boundary ids', () => {
  it('hold the distinct ids of the records at the highest cursor value, in the order met', () => {
    fc.assert(
      fc.property(keys, (list) => {
        const numeric = list.filter((key) => key.cursor === undefined || /^\d$/.test(key.cursor));
        const boundary = advanceBoundary({ cursor: undefined, ids: [] }, numeric);
        const cursors = numeric.flatMap((key) => (key.cursor === undefined ? [] : [key.cursor]));
        const highest = cursors.reduce<string | undefined>(
          (best, value) => (best === undefined || compareCursors(value, best) > 0 ? value : best),
          undefined,
        );
        expect(boundary.cursor).toBe(highest);
        const expected = [
          ...new Set(numeric.filter((key) => key.cursor === highest).map((key) => boundaryId(key.recordId))),
        ];
        expect(boundary.ids).toEqual(highest === undefined ? [] : expected.slice(0, MAX_BOUNDARY_IDS));
      }),
    );
  });

  it('skip exactly the records at the saved cursor whose id was saved', () => {
    fc.assert(
      fc.property(keys, keys, (earlier, later) => {
        const saved = advanceBoundary({ cursor: undefined, ids: [] }, earlier);
        const skipped = landedAtSavedCursor(saved);
        for (const key of later) {
          const expected =
            saved.cursor !== undefined &&
            key.cursor !== undefined &&
            compareCursors(key.cursor, saved.cursor) === 0 &&
            saved.ids.includes(boundaryId(key.recordId));
          expect(skipped(key)).toBe(expected);
        }
      }),
    );
  });

  it(`keep at most ${MAX_BOUNDARY_IDS} ids, also when two runs at one cursor value are merged`, () => {
    const many = (from: number) =>
      Array.from({ length: MAX_BOUNDARY_IDS }, (_, i) => ({
        recordId: (from + i).toString(16).padStart(16, '0').padEnd(64, '0'),
        cursor: '5',
      }));
    const first = advanceBoundary({ cursor: undefined, ids: [] }, [...many(0), ...many(MAX_BOUNDARY_IDS)]);
    expect(first.ids).toHaveLength(MAX_BOUNDARY_IDS);
    const second = advanceBoundary({ cursor: undefined, ids: [] }, many(5_000));
    expect(idsAtCursor(first, second)).toHaveLength(MAX_BOUNDARY_IDS);
    expect(idsAtCursor(first, { cursor: '6', ids: ['a'] })).toEqual(['a']);
    expect(idsAtCursor(first, { cursor: '4', ids: ['a'] })).toBe(first.ids);
    expect(idsAtCursor(first, { cursor: undefined, ids: [] })).toBe(first.ids);
  });
});
