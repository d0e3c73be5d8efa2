/**
 * Lossless NDJSON framing of one JSON record: the posted text with its line breaks removed,
 * plus `\n`. Raw CR and LF can only be insignificant whitespace in valid JSON (inside strings
 * they must be escaped), so removing them changes no value, while numbers, key order,
 * escapes and `__proto__` keys stay exactly as posted. See docs/adr/0001-lossless-json-framing.md.
 */

const encoder = new TextEncoder();

/** The stored line of one JSON record: `text` must be valid JSON. */
export function ndjsonLineText(text: string): string {
  return `${text.replace(/[\r\n]/g, '')}\n`;
}

/** The stored line of one JSON record as UTF-8 bytes, ready for delivery. */
export function frameJsonRecord(text: string): Uint8Array {
  return encoder.encode(ndjsonLineText(text));
}
