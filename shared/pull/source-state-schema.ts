/**
 * The valibot schema of a source's saved state as a store reads it back: the data crossed a
 * trust boundary (a table anyone with the rights may edit, or an item an older or newer Sluice
 * wrote), so it is checked before the runner acts on it. Objects are loose: a field added by a
 * later version is kept, not dropped, so that a rollback does not erase it on the next write.
 * parseStoredState's return type keeps the schema and the port's types (pull-run.ts) in step.
 */
import * as v from 'valibot';
import { RUN_STATUSES, type SourceState } from './pull-run.ts';
import { RUN_END_KINDS } from './run-ends.ts';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = v.string();

const PagePositionSchema = v.looseObject({
  url: v.exactOptional(text),
  cursor: v.exactOptional(text),
  offset: v.exactOptional(count),
  page: v.exactOptional(count),
});

const RunProgressSchema = v.looseObject({
  id: text,
  startedAt: text,
  position: v.exactOptional(PagePositionSchema),
  pages: count,
  records: count,
  retries: count,
  waits: count,
  lowerBound: v.exactOptional(text),
  highestCursor: v.exactOptional(text),
  boundaryIds: v.exactOptional(v.array(text)),
  seen: v.array(text),
  resumeAfter: v.exactOptional(text),
  resumeBecause: v.exactOptional(v.looseObject({ end: v.picklist(['rate limit', 'time budget']), after: text })),
});

const RunSummarySchema = v.looseObject({
  source: text,
  run: text,
  status: v.picklist(RUN_STATUSES),
  end: v.exactOptional(v.picklist(RUN_END_KINDS)),
  reason: text,
  pages: count,
  records: count,
  retries: count,
  waits: count,
  durationMs: v.number(),
  nextCursor: v.exactOptional(text),
  startedAt: text,
  endedAt: text,
});

/** One source's stored item: the state's fields plus the lease as two attributes (epoch ms for `leaseUntil`). */
export const StoredSourceStateSchema = v.looseObject({
  source: text,
  version: count,
  cursor: v.exactOptional(text),
  cursorIds: v.exactOptional(v.array(text)),
  run: v.exactOptional(RunProgressSchema),
  lastRun: v.exactOptional(RunSummarySchema),
  lastSuccessAt: v.exactOptional(text),
  leaseOwner: v.exactOptional(text),
  // Within the range of a Date, so that reading it back cannot throw.
  leaseUntil: v.exactOptional(v.pipe(count, v.maxValue(8.64e15))),
});

/** A stored item that this schema refuses: the message names the source and what is wrong, no value. */
export class BadStoredStateError extends Error {
  override readonly name = 'BadStoredStateError';
}

/** Reads a stored item as a {@link SourceState}; throws {@link BadStoredStateError} naming each bad field. */
export function parseStoredState(item: unknown): SourceState {
  const parsed = v.safeParse(StoredSourceStateSchema, item);
  if (!parsed.success) {
    const source = (item as { source?: unknown } | undefined)?.source;
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(item)'}: ${issue.message}`);
    throw new BadStoredStateError(
      `the saved state of source ${typeof source === 'string' ? source : '(no name)'} is not valid: ${problems.join('; ')}`,
    );
  }
  const { leaseOwner, leaseUntil, ...state } = parsed.output;
  const lease =
    leaseOwner !== undefined && leaseUntil !== undefined
      ? { lease: { owner: leaseOwner, until: new Date(leaseUntil).toISOString() } }
      : {};
  return { ...state, ...lease };
}
