/** The records of a file or stdin in chunks, each with the byte offset after it, so that a spool can resume there. */
import { createReadStream } from 'node:fs';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { jsonArrayElements } from '#shared/framing/json-array-elements';

/** Records read together, and the offset in the input just past the last of them. */
export interface RecordChunk {
  readonly records: string[];
  readonly offset: number;
}

/** Most records and bytes per chunk: one disk sync of the spool per chunk. */
const CHUNK_RECORDS = 500;
const CHUNK_BYTES = 1 << 20;

/** The bytes of a file from `start`. */
export function fileBytes(file: string, start: number): AsyncIterable<Buffer> {
  return createReadStream(file, { start });
}

/** NDJSON records (blank lines skipped; a last line without its newline counts) from offset `start`. */
export async function* lineChunks(input: AsyncIterable<Buffer | string>, start: number): AsyncGenerator<RecordChunk> {
  let offset = start;
  let rest = Buffer.alloc(0);
  let records: string[] = [];
  let bytes = 0;
  for await (const piece of input) {
    const buffer = rest.length > 0 ? Buffer.concat([rest, Buffer.from(piece)]) : Buffer.from(piece);
    let lineStart = 0;
    for (let newline = buffer.indexOf(10); newline !== -1; newline = buffer.indexOf(10, lineStart)) {
      const line = buffer.toString('utf8', lineStart, newline);
      offset += newline + 1 - lineStart;
      lineStart = newline + 1;
      if (line.trim() !== '') {
        records.push(line);
        bytes += line.length;
      }
      if (records.length >= CHUNK_RECORDS || bytes >= CHUNK_BYTES) {
        yield { records, offset };
        records = [];
        bytes = 0;
      }
    }
    rest = buffer.subarray(lineStart);
  }
  const last = rest.toString('utf8');
  if (last.trim() !== '') records.push(last);
  offset += rest.length;
  if (records.length > 0 || offset > start) yield { records, offset };
}

/** The whole input as one record (an XML document). */
export async function* wholeInput(input: AsyncIterable<Buffer | string>, start: number): AsyncGenerator<RecordChunk> {
  const pieces: Buffer[] = [];
  for await (const piece of input) pieces.push(Buffer.from(piece));
  const body = Buffer.concat(pieces);
  yield { records: body.length > 0 ? [body.toString('utf8')] : [], offset: start + body.length };
}

/**
 * JSON records: a whole input of at most one record's largest size that is one JSON object (a
 * pretty-printed `record.json`) is one record, one JSON array its elements as posted; anything
 * else is NDJSON. Only a whole file from its start is read this way; a resumed one is NDJSON.
 */
export async function* jsonChunks(input: AsyncIterable<Buffer | string>, start: number): AsyncGenerator<RecordChunk> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  while (start === 0 && bytes <= MAX_RECORD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const piece = Buffer.from(next.value);
    head.push(piece);
    bytes += piece.length;
  }
  if (ended) {
    const text = Buffer.concat(head).toString('utf8');
    const records = wholeJson(text);
    if (records) {
      yield { records, offset: bytes };
      return;
    }
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
  }
  yield* lineChunks(rest(), start);
}

function wholeJson(text: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) return jsonArrayElements(text);
  return value !== null && typeof value === 'object' ? [text.trim()] : undefined;
}
