/**
 * One scan over JSON text that skips string contents (escapes included) and reports the
 * structural characters outside them. The nesting check and the array splitter both read
 * JSON this way; the string handling is the part easy to get wrong, so it lives once.
 */

/** Character codes of JSON's structural characters. */
export const JSON_STRUCTURE = {
  openArray: 0x5b,
  closeArray: 0x5d,
  openObject: 0x7b,
  closeObject: 0x7d,
  comma: 0x2c,
} as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Calls `visit` with each structural character (`[ ] { } ,`) outside strings, from `from` on,
 * until `visit` returns true. The text need not be valid JSON.
 */
export function scanJsonStructure(
  text: string,
  from: number,
  visit: (code: number, index: number) => boolean | undefined,
): void {
  let inString = false;
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (
      code === JSON_STRUCTURE.openArray ||
      code === JSON_STRUCTURE.openObject ||
      code === JSON_STRUCTURE.closeArray ||
      code === JSON_STRUCTURE.closeObject ||
      code === JSON_STRUCTURE.comma
    ) {
      if (visit(code, index)) return;
    }
  }
}
