/**
 * Reading of a JSON body into records: one record, a JSON array batch or NDJSON lines. Each
 * record keeps its posted text, which is what gets stored (lossless framing, see
 * docs/adr/0001-lossless-json-framing.md); the parsed value is only for validation.
 */

import { type DetailedErrorsBudget, detailedErrorsBudget, validateRecord } from '#functions/shared/record-validation';
import type { StreamConfig } from '#shared/config/tenant-config';
import { MalformedBodyError, SchemaViolationError } from '#shared/contract/errors';
import { MAX_BATCH_RECORDS, MAX_NESTING_DEPTH } from '#shared/contract/ingest-limits';
import { countJsonArrayElements, jsonArrayElements } from '#shared/framing/json-array-elements';
import { isNestedDeeperThan } from '#shared/framing/json-nesting';
import { frameJsonRecord } from '#shared/framing/ndjson-line';
import type { BodyRecords, RejectedRecord } from './body-records.ts';

const DEPTH_MESSAGE = `The record nests arrays and objects deeper than ${MAX_NESTING_DEPTH} levels.`;

function parseJson(text: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    // SyntaxError for bad JSON; RangeError if an engine ever recursed too deep.
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

function schemaRejection(
  stream: StreamConfig,
  index: number,
  text: string,
  value: unknown,
  budget: DetailedErrorsBudget,
): RejectedRecord | undefined {
  const errors = validateRecord(stream, value, { errors: budget, text });
  if (errors.length === 0) return undefined;
  const error = new SchemaViolationError(
    `The record does not match the schema of stream ${stream.id}: ${errors.length} error(s).`,
    errors,
  );
  return { index, text, error, errors };
}

function malformed(index: number, text: string, message: string): RejectedRecord {
  return { index, text, error: new MalformedBodyError(message), errors: [{ path: '', message }] };
}

function readRecord(
  stream: StreamConfig,
  index: number,
  text: string,
  into: BodyRecords,
  budget: DetailedErrorsBudget,
): void {
  if (isNestedDeeperThan(text, MAX_NESTING_DEPTH)) {
    into.rejected.push(malformed(index, text, DEPTH_MESSAGE));
    return;
  }
  const parsed = parseJson(text);
  if ('problem' in parsed) {
    into.rejected.push(malformed(index, text, `The record is not valid JSON: ${parsed.problem}`));
    return;
  }
  const rejection = schemaRejection(stream, index, text, parsed.value, budget);
  if (rejection) into.rejected.push(rejection);
  else into.accepted.push({ index, framed: frameJsonRecord(text) });
}

function assertBatchSize(count: number): void {
  if (count === 0) throw new MalformedBodyError('The batch holds no records.');
  if (count > MAX_BATCH_RECORDS) {
    throw new MalformedBodyError(`The batch holds ${count} records; a batch post takes at most ${MAX_BATCH_RECORDS}.`);
  }
}

/** Whether the character at `index` is white space as String.prototype.trim sees it; printable ASCII is decided without the regex. */
function isBlank(code: number, text: string, index: number): boolean {
  if (code > 0x20 && code < 0x7f) return false;
  return /\s/.test(text[index] ?? '');
}

/** Whether text[from, to) holds a character other than white space. */
function hasContent(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!isBlank(text.charCodeAt(index), text, index)) return true;
  return false;
}

/**
 * The non-blank lines of an NDJSON body, counted in one pass before it is split, so that a body
 * of hundreds of thousands of lines is refused without making a string of each (issue 22 §3).
 * It jumps from line break to line break (a native search) and looks into a line only until its
 * first non-blank character, which is its first for a line that starts with `{`: reading every
 * character took a 100-record post 150 µs.
 */
function countNdjsonRecords(text: string): number {
  let count = 0;
  for (let start = 0; start < text.length; ) {
    const lineFeed = text.indexOf('\n', start);
    const end = lineFeed === -1 ? text.length : lineFeed;
    if (hasContent(text, start, end)) count++;
    start = end + 1;
  }
  return count;
}

function readNdjson(stream: StreamConfig, text: string): BodyRecords {
  assertBatchSize(countNdjsonRecords(text));
  const lines = text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '');
  const records: BodyRecords = { batch: true, accepted: [], rejected: [] };
  const budget = detailedErrorsBudget();
  lines.forEach((line, index) => {
    readRecord(stream, index, line, records, budget);
  });
  return records;
}

function ndjsonHint(stream: StreamConfig, text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2 || 'problem' in parseJson(lines[0] ?? '')) return '';
  return stream.batch
    ? ' It looks like NDJSON: post it as application/x-ndjson.'
    : ` It looks like NDJSON: stream ${stream.id} takes one record per request.`;
}

function arrayOnSingleRecordStream(stream: StreamConfig): string {
  return (
    `Stream ${stream.id} takes one JSON object per request, not an array. To send several records, post each one ` +
    'on its own, or set batch: true on the stream in the tenant config and post a JSON array or NDJSON.'
  );
}

function readJson(stream: StreamConfig, text: string): BodyRecords {
  const single: BodyRecords = { batch: false, accepted: [], rejected: [] };
  if (isNestedDeeperThan(text, MAX_NESTING_DEPTH)) {
    single.rejected.push(malformed(0, text, DEPTH_MESSAGE));
    return single;
  }
  // A batch's count comes before parsing: an array of a million tiny elements costs its parse.
  if (stream.batch && text.trimStart().startsWith('[')) {
    const count = countJsonArrayElements(text);
    if (count > MAX_BATCH_RECORDS) assertBatchSize(count);
  }
  const parsed = parseJson(text);
  if ('problem' in parsed) {
    single.rejected.push(
      malformed(0, text, `The body is not valid JSON: ${parsed.problem}.${ndjsonHint(stream, text)}`),
    );
    return single;
  }
  if (!stream.batch && Array.isArray(parsed.value)) {
    // Schema errors for each index of the array would hide the cause: the stream takes no batches.
    single.rejected.push(malformed(0, text, arrayOnSingleRecordStream(stream)));
    return single;
  }
  if (!(stream.batch && Array.isArray(parsed.value))) {
    const rejection = schemaRejection(stream, 0, text, parsed.value, detailedErrorsBudget());
    if (rejection) single.rejected.push(rejection);
    else single.accepted.push({ index: 0, framed: frameJsonRecord(text) });
    return single;
  }
  const values: unknown[] = parsed.value;
  const texts = jsonArrayElements(text);
  assertBatchSize(values.length);
  const records: BodyRecords = { batch: true, accepted: [], rejected: [] };
  const budget = detailedErrorsBudget();
  values.forEach((value, index) => {
    const elementText = texts[index] ?? JSON.stringify(value);
    const rejection = schemaRejection(stream, index, elementText, value, budget);
    if (rejection) records.rejected.push(rejection);
    else records.accepted.push({ index, framed: frameJsonRecord(elementText) });
  });
  return records;
}

/** Reads a JSON or NDJSON body; throws MalformedBodyError for a body that holds no record at all. */
export function readJsonBody(stream: StreamConfig, kind: 'json' | 'ndjson', text: string): BodyRecords {
  if (text.trim() === '') throw new MalformedBodyError('The body is empty; a JSON record was expected.');
  return kind === 'ndjson' ? readNdjson(stream, text) : readJson(stream, text);
}

/**
 * Reads one record's text the way each record of a batch is read (nesting, JSON, schema,
 * framing): how `sluice dlq replay` checks a dead-lettered record again.
 */
export function readJsonRecord(stream: StreamConfig, text: string): BodyRecords {
  const records: BodyRecords = { batch: false, accepted: [], rejected: [] };
  readRecord(stream, 0, text, records, detailedErrorsBudget());
  return records;
}
