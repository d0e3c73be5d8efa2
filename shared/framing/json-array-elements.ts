/**
 * Splits a JSON array into the posted text of each element, so that a batch post's records
 * can be stored as posted (see docs/adr/0001-lossless-json-framing.md) instead of re-serialised.
 */

import { JSON_STRUCTURE, scanJsonStructure } from './json-structure.ts';

const JSON_WHITESPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * The text of each element of a JSON array, without the whitespace around it. The input must
 * already be known to be valid JSON whose value is an array (parse it first).
 */
export function jsonArrayElements(text: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let start = text.indexOf('[') + 1;
  scanJsonStructure(text, start, (code, index) => {
    if (code === JSON_STRUCTURE.openArray || code === JSON_STRUCTURE.openObject) {
      depth++;
    } else if (code === JSON_STRUCTURE.closeObject) {
      depth--;
    } else if (code === JSON_STRUCTURE.closeArray) {
      if (depth > 0) {
        depth--;
        return false;
      }
      const last = text.slice(start, index).replace(JSON_WHITESPACE, '');
      if (last !== '' || elements.length > 0) elements.push(last);
      return true;
    } else if (depth === 0) {
      elements.push(text.slice(start, index).replace(JSON_WHITESPACE, ''));
      start = index + 1;
    }
    return false;
  });
  return elements;
}
