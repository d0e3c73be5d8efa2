/**
 * What lands from one page: each record's own JSON text (numbers, escapes and key order as the
 * API sent them) with `"_sluice":{…}` inserted as its first member, framed as an NDJSON line.
 * `record_id` is the hex SHA-256 of the source name, a newline, and the raw text of the record's
 * id (of the whole record when the source has no `id`), so that a record fetched twice has the
 * same id. Records that are not JSON objects, or fail the stream's schema, are set aside for the
 * dead-letter output; a page that is not JSON, or whose `records` is not an array, is bad.
 */
import { hash } from 'node:crypto';
import { validateRecord } from '#functions/shared/record-validation';
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig } from '#shared/config/tenant-config';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { jsonPointerElements, jsonPointerValue } from '#shared/framing/json-pointer-text';
import { LinesWithFirstMember } from '#shared/framing/ndjson-line';
import type { RecordKey } from './boundary-ids.ts';
import { higherCursor, recordCursor } from './incremental-cursor.ts';

/** Where the records of a page come from. */
export interface PageOrigin {
  readonly source: SourceConfig;
  readonly stream: StreamConfig;
  readonly run: string;
  readonly page: number;
  readonly fetchedAt: Date;
}

/** A record set aside, with why. */
export interface RejectedText {
  readonly text: string;
  readonly reason: string;
}

/** A page that could be read. */
export interface PageRecords {
  readonly ok: true;
  /** The parsed page (for pagination). */
  readonly page: unknown;
  /** Elements of the records array, landed or not. */
  readonly count: number;
  readonly lines: Uint8Array[];
  /** The record id and cursor value of each line, in the same order (for boundary dedupe). */
  readonly keys: RecordKey[];
  readonly rejected: RejectedText[];
  /** Highest incremental cursor among the landed records. */
  readonly highestCursor: string | undefined;
}

/** A page that could not be read. */
export interface BadPage {
  readonly ok: false;
  readonly reason: string;
  /** How the run ends: `bad page` unless the page is readable but over a limit. */
  readonly end: 'bad page' | 'body limit';
}

/** The `record_id` of a record: same source and id, same hex digest. */
export function recordId(source: string, idText: string): string {
  // One-shot: a Hash object per record cost the runner more than reading the record.
  return hash('sha256', `${source}\n${idText}`, 'hex');
}

/**
 * Splits a page into landed lines and rejected records, or says why the page is bad. `bytes`:
 * the UTF-8 bytes `text` was decoded from, when it is exactly their text (records are then
 * copied from them).
 */
export function pageRecords(text: string, origin: PageOrigin, bytes?: Uint8Array): PageRecords | BadPage {
  let page: unknown;
  try {
    page = JSON.parse(text);
  } catch {
    return { ok: false, end: 'bad page', reason: 'the page is not JSON' };
  }
  const { source, stream } = origin;
  const array = jsonPointerValue(page, source.records);
  if (!Array.isArray(array)) {
    return { ok: false, end: 'bad page', reason: `records "${source.records}" does not name an array in the page` };
  }
  if (array.length > source.maxRecordsPerPage) {
    return {
      ok: false,
      end: 'body limit',
      reason: `records limit: the page holds ${array.length} records, more than maxRecordsPerPage (${source.maxRecordsPerPage})`,
    };
  }
  // One scan of the array for the records' texts and their ids' texts (JSON.parse above checked
  // the page and gives the values the schema and pagination read).
  const elements = jsonPointerElements(text, source.records, source.id) ?? [];
  // Every record's `_sluice` member is the same up to its record_id (hex: nothing to escape).
  const metaPrefix = `${JSON.stringify({
    source: source.name,
    run: origin.run,
    page: origin.page,
    fetched_at: origin.fetchedAt.toISOString(),
  }).slice(0, -1)},"record_id":"`;
  const lines = new LinesWithFirstMember(text, MAX_RECORD_BYTES, bytes);
  const keys: RecordKey[] = [];
  const rejected: RejectedText[] = [];
  let highest: string | undefined;
  elements.forEach(({ text: element, start, member: idText }, index) => {
    const errors = validateRecord(stream, array[index]);
    const isObject = element.startsWith('{');
    if (!isObject || errors.length > 0) {
      const reason = isObject
        ? `the record does not match the schema of stream ${stream.id}: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`
        : 'the record is not a JSON object';
      rejected.push({ text: element, reason });
      return;
    }
    const id = recordId(source.name, idText ?? element);
    if (!lines.add(`"_sluice":${metaPrefix}${id}"}`, start, start + element.length)) {
      rejected.push({
        text: element,
        reason: `the record is over ${MAX_RECORD_BYTES} bytes, the most one record may be`,
      });
      return;
    }
    const cursor = source.incremental === undefined ? undefined : recordCursor(element, source.incremental.cursor);
    keys.push({ recordId: id, cursor });
    highest = higherCursor(highest, cursor);
  });
  return {
    ok: true,
    page,
    count: elements.length,
    lines: lines.encode(),
    keys,
    rejected,
    highestCursor: highest,
  };
}
