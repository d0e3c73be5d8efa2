/**
 * Lossless NDJSON framing of JSON records: the posted text with its line breaks removed, plus
 * `\n`; one record at a time (ingest) or a page's records with a member inserted first (pull).
 * Raw CR and LF can only be insignificant whitespace in valid JSON (inside strings they must be
 * escaped), so removing them changes no value, while numbers, key order, escapes and
 * `__proto__` keys stay exactly as posted. See docs/adr/0001-lossless-json-framing.md.
 */

import { Buffer, isAscii } from 'node:buffer';

const LINE_FEED = 0x0a;

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}

function withoutLineBreaks(text: string): string {
  // Most records hold no raw line break; two native searches spare them the regex pass.
  return hasLineBreak(text) ? text.replace(/[\r\n]/g, '') : text;
}

/** The stored line of one JSON record: `text` must be valid JSON. */
export function ndjsonLineText(text: string): string {
  return `${withoutLineBreaks(text)}\n`;
}

/**
 * The stored line of one JSON record as UTF-8 bytes, ready for delivery. Written with
 * Buffer#write into a buffer of the exact size: on Node 20 TextEncoder#encode took three
 * times as long (see docs/performance.md).
 */
export function frameJsonRecord(text: string): Uint8Array {
  const line = withoutLineBreaks(text);
  const size = Buffer.byteLength(line, 'utf8');
  const bytes = Buffer.allocUnsafe(size + 1);
  bytes.write(line, 0, 'utf8');
  bytes[size] = LINE_FEED;
  return bytes;
}

/**
 * Whether records cut from `text` can be framed by taking their characters as bytes: no raw
 * line break to remove and nothing above U+007F. One look at a whole page (two native searches
 * and a count) spares each of its records three scans.
 */
function isPlainAscii(text: string): boolean {
  return !hasLineBreak(text) && Buffer.byteLength(text, 'utf8') === text.length;
}

/** One line before encoding: its head (`{` and the inserted member), then the rest of the record. */
type PendingLine = { readonly head: string; readonly headBytes: number; readonly bytes: number } & (
  | { readonly from: number; readonly to: number } // characters of the page, copied or taken as they are
  | { readonly rest: string } // the record's text without its line breaks
);

/**
 * The stored lines of one page's records, each with a member inserted first, encoded together
 * into one buffer: encoding each line into its own buffer cost more than the rest of framing
 * a page. A page of plain ASCII (most are: no raw line break, nothing above U+007F) is framed
 * without looking at each record again, and when the page's bytes are at hand each record is
 * copied from them instead of encoded.
 */
export class LinesWithFirstMember {
  private readonly pending: PendingLine[] = [];
  private readonly plain: boolean;
  private readonly pageBytes: Uint8Array | undefined;

  /**
   * `pageBytes`: the UTF-8 bytes `pageText` was decoded from, when it is exactly their text.
   * `maxBytes`: the most a line may have, line feed included.
   */
  constructor(
    private readonly pageText: string,
    private readonly maxBytes: number,
    pageBytes?: Uint8Array,
  ) {
    // ASCII bytes decode to as many characters, so character i is byte i. The check on the
    // bytes is native and vectorised, unlike counting the text's UTF-8 bytes.
    const copyable = pageBytes !== undefined && pageBytes.byteLength === pageText.length && isAscii(pageBytes);
    this.plain = copyable ? !hasLineBreak(pageText) : isPlainAscii(pageText);
    this.pageBytes = copyable && this.plain ? pageBytes : undefined;
  }

  /**
   * Adds the line of the JSON object at [start, end) of the page, with `member` (`"name":value`,
   * no raw line break) first, unless the line would be over the limit. Returns whether it was added.
   */
  add(member: string, start: number, end: number): boolean {
    const record = this.pageText.slice(start, end);
    const rest = this.plain ? undefined : withoutLineBreaks(record).slice(1);
    const empty = /^\s*\}$/.test(rest ?? record.slice(1));
    const head = empty ? `{${member}}` : `{${member},`;
    const headBytes = Buffer.byteLength(head, 'utf8');
    let line: PendingLine;
    if (empty) line = { head, headBytes, bytes: headBytes + 1, from: 0, to: 0 };
    else if (rest === undefined) line = { head, headBytes, bytes: headBytes + end - start, from: start + 1, to: end };
    else line = { head, headBytes, bytes: headBytes + Buffer.byteLength(rest, 'utf8') + 1, rest };
    if (line.bytes > this.maxBytes) return false;
    this.pending.push(line);
    return true;
  }

  /** The lines added, as UTF-8 bytes each ending in a line feed (views into one buffer). */
  encode(): Uint8Array[] {
    const { pending, pageBytes } = this;
    if (pending.length === 0) return [];
    const all = pageBytes === undefined ? this.encodedLines() : this.copiedLines(pageBytes);
    const views: Uint8Array[] = new Array(pending.length);
    let offset = all.byteOffset;
    pending.forEach((line, index) => {
      views[index] = new Uint8Array(all.buffer, offset, line.bytes);
      offset += line.bytes;
    });
    return views;
  }

  /** The lines encoded from their text at once. */
  private encodedLines(): Buffer {
    const texts = this.pending.map(
      (line) => line.head + ('rest' in line ? line.rest : this.pageText.slice(line.from, line.to)),
    );
    return Buffer.from(`${texts.join('\n')}\n`, 'utf8');
  }

  /** The lines written from their heads and the page's bytes. */
  private copiedLines(pageBytes: Uint8Array): Buffer {
    const all = Buffer.allocUnsafeSlow(this.pending.reduce((total, line) => total + line.bytes, 0));
    const source = Buffer.from(pageBytes.buffer, pageBytes.byteOffset, pageBytes.byteLength);
    let offset = 0;
    for (const line of this.pending) {
      if ('rest' in line) throw new Error('a line of a page copied from its bytes holds its own text');
      const written = all.write(line.head, offset, 'utf8');
      const copied = source.copy(all, offset + written, line.from, line.to);
      // Every byte of the unzeroed buffer is written: a slip would otherwise land stale memory.
      if (written + copied + 1 !== line.bytes) throw new Error('a line was framed short of its size');
      all[offset + line.bytes - 1] = LINE_FEED;
      offset += line.bytes;
    }
    return all;
  }
}
