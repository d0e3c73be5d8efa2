/**
 * Splits a JSON array into the posted text of each element, so that a batch post's records
 * can be stored as posted (see docs/adr/0001-lossless-json-framing.md) instead of re-serialised.
 */

const JSON_WHITESPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * The text of each element of a JSON array, without the whitespace around it. The input must
 * already be known to be valid JSON whose value is an array (parse it first).
 */
export function jsonArrayElements(text: string): string[] {
  const open = text.indexOf('[');
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let start = open + 1;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth++;
    } else if (code === 0x7d /* } */) {
      depth--;
    } else if (code === 0x5d /* ] */) {
      if (depth === 0) {
        const last = text.slice(start, index).replace(JSON_WHITESPACE, '');
        if (last !== '' || elements.length > 0) elements.push(last);
        return elements;
      }
      depth--;
    } else if (code === 0x2c /* , */ && depth === 0) {
      elements.push(text.slice(start, index).replace(JSON_WHITESPACE, ''));
      start = index + 1;
    }
  }
  return elements;
}
