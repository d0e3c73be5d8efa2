/**
 * A small third-party-like API that local mode serves beside the gateway, so that the pull
 * side has something to pull with `npm start` alone: `GET /sample-api/v1/events` answers
 * pages of the records in local/pull/sample-api/events.json, oldest `updated_at` first, with a
 * cursor to the next page. Records go out as the file's text (a 64-bit id stays exact), as a
 * real API's JSON would.
 *
 * `since` keeps the records updated at or after it (`>=`), as the common real filters do
 * (GitHub's `since`, Shopify's `updated_at_min`, Zendesk's incremental `start_time`): the records
 * at the bound come back on every incremental run, and the runner skips the ones it already
 * landed. `>` (records strictly after `since`) is selectable, so that tests cover both kinds of API.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { jsonArrayElements } from '#shared/framing/json-array-elements';

/** Path prefix of the sample API on the dev server. */
export const SAMPLE_API_PREFIX = '/sample-api/';
/** The one collection of the sample API. */
export const SAMPLE_EVENTS_PATH = '/sample-api/v1/events';
/** The records it serves unless told another file. */
export const SAMPLE_EVENTS_FILE = fileURLToPath(new URL('./sample-api/events.json', import.meta.url));
/** How `since` compares with a record's `updated_at`. */
export type SinceFilter = '>=' | '>';

/** Page size when `limit` is absent, and the largest one allowed. */
const SAMPLE_DEFAULT_LIMIT = 10;
export const SAMPLE_MAX_LIMIT = 100;

interface SampleRecord {
  readonly text: string;
  readonly updatedAt: string;
  readonly position: number;
}

/** A page position: records after (updated_at, position in the file). */
interface Cursor {
  readonly updatedAt: string;
  readonly position: number;
}

class BadRequest extends Error {}

function encodeCursor(record: SampleRecord): string {
  return Buffer.from(JSON.stringify([record.updatedAt, record.position])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [updatedAt, position] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof updatedAt === 'string' && Number.isInteger(position)) return { updatedAt, position: position as number };
  } catch {
    // Falls through to the 400 below.
  }
  throw new BadRequest('after must be a cursor this API returned as "next"');
}

function isAfter(record: SampleRecord, cursor: Cursor): boolean {
  if (record.updatedAt !== cursor.updatedAt) return record.updatedAt > cursor.updatedAt;
  return record.position > cursor.position;
}

async function loadRecords(file: string): Promise<SampleRecord[]> {
  const text = await readFile(file, 'utf8');
  const parsed = JSON.parse(text) as { updated_at?: unknown }[];
  const texts = jsonArrayElements(text);
  return texts
    .map((recordText, position) => ({
      text: recordText,
      updatedAt: String(parsed[position]?.updated_at ?? ''),
      position,
    }))
    .sort((a, b) => (a.updatedAt === b.updatedAt ? a.position - b.position : a.updatedAt < b.updatedAt ? -1 : 1));
}

function parseLimit(value: string | null): number {
  if (value === null) return SAMPLE_DEFAULT_LIMIT;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > SAMPLE_MAX_LIMIT) {
    throw new BadRequest(`limit must be a whole number from 1 to ${SAMPLE_MAX_LIMIT}`);
  }
  return limit;
}

function parseSince(value: string | null): string | undefined {
  if (value === null) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new BadRequest('since must be an ISO 8601 time');
  // The file's times are UTC with a Z: compare in the same form.
  return new Date(value).toISOString().replace('.000Z', 'Z');
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Serves the sample API; answers requests whose path starts with {@link SAMPLE_API_PREFIX}. */
export function createSampleApi(
  file = SAMPLE_EVENTS_FILE,
  since: SinceFilter = '>=',
): (request: IncomingMessage, response: ServerResponse) => void {
  const fromSince = (record: SampleRecord, bound: string) =>
    since === '>=' ? record.updatedAt >= bound : record.updatedAt > bound;
  let cache: { version: string; records: SampleRecord[] } | undefined;
  const records = async () => {
    // Re-read when the file changes, so that records added to it show up in the next pull.
    const { mtimeMs, size } = await stat(file);
    const version = `${mtimeMs}:${size}`;
    if (cache?.version !== version) cache = { version, records: await loadRecords(file) };
    return cache.records;
  };
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://sample.invalid');
    if (url.pathname !== SAMPLE_EVENTS_PATH) {
      answer(response, 404, JSON.stringify({ message: `no such resource; try GET ${SAMPLE_EVENTS_PATH}` }));
      return;
    }
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      answer(response, 405, JSON.stringify({ message: 'only GET' }));
      return;
    }
    void (async () => {
      try {
        const limit = parseLimit(url.searchParams.get('limit'));
        const bound = parseSince(url.searchParams.get('since'));
        const afterText = url.searchParams.get('after');
        const after = afterText === null ? undefined : decodeCursor(afterText);
        const matching = (await records()).filter(
          (record) => (bound === undefined || fromSince(record, bound)) && (!after || isAfter(record, after)),
        );
        const page = matching.slice(0, limit);
        const last = page.at(-1);
        const next = last && matching.length > limit ? JSON.stringify(encodeCursor(last)) : 'null';
        answer(response, 200, `{"data":[${page.map((record) => record.text).join(',')}],"next":${next}}`);
      } catch (error) {
        if (error instanceof BadRequest) answer(response, 400, JSON.stringify({ message: error.message }));
        else answer(response, 500, JSON.stringify({ message: 'the sample API could not read its records' }));
      }
    })();
  };
}
