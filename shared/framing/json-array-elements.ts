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

/**
 * How many elements a JSON array's text holds, counted without parsing it (commas at its top
 * level), so that a batch over the limit is refused before hundreds of thousands of elements
 * are parsed and split (issue 22 §3). The text need not be valid JSON; for text that is a
 * valid array the count is exact.
 */
export function countJsonArrayElements(text: string): number {
  let depth = 0;
  let commas = 0;
  let empty = true;
  const start = text.indexOf('[') + 1;
  scanJsonStructure(text, start, (code) => {
    if (code === JSON_STRUCTURE.openArray || code === JSON_STRUCTURE.openObject) depth++;
    else if (code === JSON_STRUCTURE.closeObject) depth--;
    else if (code === JSON_STRUCTURE.closeArray) {
      if (depth === 0) return true;
      depth--;
    } else if (depth === 0) commas++;
    return false;
  });
  // `[]` and `[ ]` hold none; otherwise one more element than top-level commas.
  for (let index = start; index < text.length && empty; index++) {
    const code = text.charCodeAt(index);
    if (code === JSON_STRUCTURE.closeArray) break;
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) empty = false;
  }
  return empty ? 0 : commas + 1;
}
