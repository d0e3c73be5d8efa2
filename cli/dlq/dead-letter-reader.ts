/**
 * Reads a stream's dead-letter lines (docs/dead-letters.md) from the landing bucket through the
 * S3 API, for `sluice dlq`: the objects of a time window, each line with its identity. The
 * identity is a digest of the tenant, stream, request id, index and record rather than the
 * object key and line: Firehose delivers at least once, so the same dead letter can land in
 * two objects, and both must count as one record that is replayed once.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FieldError } from '#shared/contract/errors';
import { type LandedObject, listBatches, readBatchRecords, streamPrefix } from '../batches/batch-reader.ts';
import { keyInWindow, type TimeWindow, windowHourPrefixes } from '../time-window.ts';

const HOUR_MS = 3_600_000;
const PROBLEM_PREFIX = 'urn:sluice:problem:';

/** Where a dead letter came from: a post, a pull source, or a line that is not a dead letter at all. */
export type DeadLetterOrigin = 'post' | 'pull' | 'unreadable';

/** One dead-letter line. */
export interface DeadLetterEntry {
  readonly key: string;
  /** 1-based line number in its object. */
  readonly line: number;
  /** The record's identity (a SHA-256 hex digest), what the replay ledger is keyed by. */
  readonly id: string;
  readonly origin: DeadLetterOrigin;
  /** When the request was received (a pull's: when the page was fetched). */
  readonly at: Date | undefined;
  /** The problem slug (`schema-violation`); `pulled` for a pull source's, `unreadable` for a bad line. */
  readonly slug: string;
  readonly reasons: readonly FieldError[];
  /** The record as posted; undefined for an unreadable line. */
  readonly record: string | undefined;
  readonly truncated: boolean;
  readonly requestId: string | undefined;
  readonly index: number | undefined;
}

/** Pseudo-slugs of lines that have no problem type. */
export const PULLED_SLUG = 'pulled';
export const UNREADABLE_SLUG = 'unreadable';

function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function date(value: unknown): Date | undefined {
  const at = typeof value === 'string' ? new Date(value) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    const entry = item as { path?: unknown; message?: unknown } | null;
    return entry && typeof entry.message === 'string'
      ? [{ path: typeof entry.path === 'string' ? entry.path : '', message: entry.message }]
      : [];
  });
}

/** Reads one dead-letter line; `tenant` and `stream` are where it was found. */
export function parseDeadLetterLine(key: string, line: number, raw: string): DeadLetterEntry {
  let value: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) value = parsed as Record<string, unknown>;
  } catch {
    value = undefined;
  }
  const unreadable: DeadLetterEntry = {
    key,
    line,
    id: digest(['unreadable', key, line]),
    origin: 'unreadable',
    at: undefined,
    slug: UNREADABLE_SLUG,
    reasons: [{ path: '', message: 'the line is not a dead-letter record' }],
    record: undefined,
    truncated: false,
    requestId: undefined,
    index: undefined,
  };
  const record = text(value?.record);
  if (!value || record === undefined) return unreadable;
  const truncated = value.record_truncated === true;
  if (typeof value.source === 'string') {
    return {
      ...unreadable,
      id: digest(['pull', value.tenant, value.stream, value.source, value.run, value.page, record]),
      origin: 'pull',
      at: date(value.fetched_at),
      slug: PULLED_SLUG,
      reasons: [{ path: '', message: text(value.reason) ?? '' }],
      record,
      truncated,
    };
  }
  const problem = text(value.problem);
  const index = typeof value.index === 'number' ? value.index : undefined;
  const requestId = text(value.request_id);
  return {
    key,
    line,
    id: digest([value.tenant, value.stream, requestId, index ?? null, record]),
    origin: 'post',
    at: date(value.received_at),
    slug: problem?.startsWith(PROBLEM_PREFIX) ? problem.slice(PROBLEM_PREFIX.length) : (problem ?? UNREADABLE_SLUG),
    reasons: fieldErrors(value.reasons),
    record,
    truncated,
    requestId,
    index,
  };
}

function inWindow(at: Date | undefined, window: TimeWindow): boolean {
  // A line without a time is kept: leaving it out would hide it from ls and replay alike.
  if (!at) return true;
  if (window.since && at < window.since) return false;
  if (window.until && at > window.until) return false;
  return true;
}

/**
 * The dead-letter objects of a stream that may hold lines of the window, oldest first. A batch
 * is named by its first record's arrival, which may be an hour before or after a line's own
 * time, so the listing reaches one hour beyond the window on both sides.
 */
async function listDeadLetterObjects(
  s3: S3Client,
  bucket: string,
  streamId: string,
  window: TimeWindow,
): Promise<LandedObject[]> {
  const base = streamPrefix(streamId, true);
  const wide: TimeWindow = {
    ...(window.since ? { since: new Date(window.since.getTime() - HOUR_MS) } : {}),
    ...(window.until ? { until: new Date(window.until.getTime() + HOUR_MS) } : {}),
  };
  if (wide.since && wide.until) {
    // A closed window lists its hour partitions only, so a long history is not listed for an hour of it.
    const pages = await Promise.all(
      windowHourPrefixes(wide.since, wide.until).map((hour) => listBatches(s3, bucket, `${base}${hour}`)),
    );
    return pages.flat();
  }
  const objects = await listBatches(s3, bucket, base);
  return window.since || window.until ? objects.filter((object) => keyInWindow(object.key, wide)) : objects;
}

/** Every dead-letter line of a stream in the window, oldest object first, in line order. */
export async function readDeadLetters(
  s3: S3Client,
  bucket: string,
  streamId: string,
  window: TimeWindow,
  onObject: (object: LandedObject, index: number, count: number) => void = () => undefined,
): Promise<DeadLetterEntry[]> {
  const objects = await listDeadLetterObjects(s3, bucket, streamId, window);
  const entries: DeadLetterEntry[] = [];
  for (const [index, object] of objects.entries()) {
    onObject(object, index, objects.length);
    const lines = await readBatchRecords(s3, bucket, object.key);
    lines.forEach((raw, at) => {
      const entry = parseDeadLetterLine(object.key, at + 1, raw);
      if (inWindow(entry.at, window)) entries.push(entry);
    });
  }
  return entries;
}
