/**
 * Lossless NDJSON framing of one JSON record: the posted text with its line breaks removed,
 * plus `\n`. Raw CR and LF can only be insignificant whitespace in valid JSON (inside strings
 * they must be escaped), so removing them changes no value, while numbers, key order,
 * escapes and `__proto__` keys stay exactly as posted. See docs/adr/0001-lossless-json-framing.md.
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

/** One line before encoding: its head (`{` and the inserted member), then characters of the page. */
interface PendingLine {
  readonly head: string;
  readonly headBytes: number;
  /** The rest of the record: the page's characters [from, to), or this text when the page is not plain. */
  readonly from: number;
  readonly to: number;
  readonly rest: string;
  /** UTF-8 bytes of the whole line, line feed included. */
  readonly bytes: number;
}

/**
 * The stored lines of one page's records, each with a member inserted first, encoded together
 * into one buffer: encoding each line into its own buffer cost more than all the rest of
 * framing a page. A page of plain ASCII (most are) is framed without looking at each record
 * again, and when the page's bytes are at hand each record is copied from them, not encoded.
 */
export class LinesWithFirstMember {
  private readonly pending: PendingLine[] = [];
  private readonly plain: boolean;
  private readonly pageBytes: Uint8Array | undefined;

  /** `pageBytes`: the UTF-8 bytes `pageText` was decoded from, when it is exactly their text. */
  constructor(
    private readonly pageText: string,
    pageBytes?: Uint8Array,
  ) {
    // ASCII bytes decode to as many characters: character i is byte i. Checking the bytes is
    // native and vectorised; counting the text's UTF-8 bytes took ~12 µs a 100 KB page.
    const copyable = pageBytes !== undefined && pageBytes.byteLength === pageText.length && isAscii(pageBytes);
    this.plain = copyable ? !hasLineBreak(pageText) : isPlainAscii(pageText);
    this.pageBytes = copyable && this.plain ? pageBytes : undefined;
  }

  /**
   * Adds the line of `record`, a JSON object cut from the page at `start`, with `member`
   * (`"name":value`, no raw line break) first; unless the line would be over `maxBytes`, line
   * feed included. Returns whether it was added.
   */
  add(member: string, record: string, start: number, maxBytes: number): boolean {
    const rest = this.plain ? undefined : withoutLineBreaks(record).slice(1);
    const empty = /^\s*\}$/.test(rest ?? record.slice(1));
    const head = empty ? `{${member}}` : `{${member},`;
    const headBytes = Buffer.byteLength(head, 'utf8');
    const from = empty ? 0 : start + 1;
    const to = empty ? 0 : start + record.length;
    const restText = empty || rest === undefined ? '' : rest;
    const restBytes = rest === undefined ? to - from : Buffer.byteLength(restText, 'utf8');
    const bytes = headBytes + restBytes + 1;
    if (bytes > maxBytes) return false;
    this.pending.push({ head, headBytes, from, to, rest: restText, bytes });
    return true;
  }

  /** The lines added, as UTF-8 bytes each ending in a line feed (views into one buffer). */
  encode(): Uint8Array[] {
    const { pending, pageBytes, pageText } = this;
    if (pending.length === 0) return [];
    let all: Buffer;
    if (pageBytes !== undefined) {
      all = Buffer.allocUnsafeSlow(pending.reduce((total, line) => total + line.bytes, 0));
      const source = Buffer.from(pageBytes.buffer, pageBytes.byteOffset, pageBytes.byteLength);
      let offset = 0;
      for (const line of pending) {
        all.write(line.head, offset, 'utf8');
        source.copy(all, offset + line.headBytes, line.from, line.to);
        all[offset + line.bytes - 1] = LINE_FEED;
        offset += line.bytes;
      }
    } else {
      const texts = pending.map((line) => line.head + (this.plain ? pageText.slice(line.from, line.to) : line.rest));
      all = Buffer.from(`${texts.join('\n')}\n`, 'utf8');
    }
    const views: Uint8Array[] = new Array(pending.length);
    let offset = all.byteOffset;
    pending.forEach((line, index) => {
      views[index] = new Uint8Array(all.buffer, offset, line.bytes);
      offset += line.bytes;
    });
    return views;
  }
}
