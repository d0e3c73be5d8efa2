/** A record as the wire carries it: its text, and its size in UTF-8 bytes. */

/** Any JSON object: the record type of a stream without a schema. */
export type JsonObject = { [key: string]: unknown };

/**
 * The text of a record: objects are serialized; strings are taken as already serialized JSON (or
 * XML). Raw CR and LF are dropped from JSON text: outside strings they are only white space (a
 * JSON string cannot hold them raw), the server drops them too, and NDJSON needs one line per record.
 */
export function recordText(record: unknown, payload: 'json' | 'xml'): string {
  if (typeof record === 'string') {
    return payload === 'json' && (record.includes('\n') || record.includes('\r'))
      ? record.replace(/[\r\n]/g, '')
      : record;
  }
  const text = JSON.stringify(record);
  if (typeof text !== 'string') throw new TypeError('a record must be a JSON object or its text');
  return text;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  // Most records are ASCII, where the length is the answer; the native test is far faster than the loop.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
