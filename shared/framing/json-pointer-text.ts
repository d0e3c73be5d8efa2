/**
 * The raw text of the value an RFC 6901 pointer names inside JSON text. The pull runner lands
 * each record as the API sent it and derives `record_id` from the id's own text, so it reads
 * values out of the text instead of re-serialising what `JSON.parse` made of them (which would
 * round a 64-bit id and rewrite escapes).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipWhitespace(text: string, at: number): number {
  let index = at;
  while (index < text.length && isWhitespace(text.charCodeAt(index))) index++;
  return index;
}

/** Index just past the string literal that starts at `at`. */
function stringEnd(text: string, at: number): number {
  for (let index = at + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH) index++;
    else if (code === QUOTE) return index + 1;
  }
  return text.length;
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Index just past the value that starts at `at`. Reads char codes: the pull runner scans every page with it. */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let index = at; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) index = stringEnd(text, index) - 1;
      else if (code === OPEN_OBJECT || code === OPEN_ARRAY) depth++;
      else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return index + 1;
      }
    }
    return text.length;
  }
  let index = at;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isWhitespace(code)) break;
  }
  return index;
}

/** Start of the member `token` of the object at `at` (the last one, as JSON.parse keeps the last). */
function memberStart(text: string, at: number, token: string): number | undefined {
  let index = skipWhitespace(text, at + 1);
  let found: number | undefined;
  while (index < text.length && text[index] === '"') {
    const keyEnd = stringEnd(text, index);
    // Most keys have no escape: compare their text as it is, and decode only the others.
    const raw = text.slice(index + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(index, keyEnd)) as string) : raw;
    index = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    if (key === token) found = index;
    index = skipWhitespace(text, valueEnd(text, index));
    if (text[index] !== ',') break;
    index = skipWhitespace(text, index + 1);
  }
  return found;
}

function elementStart(text: string, at: number, token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  let wanted = Number(token);
  let index = skipWhitespace(text, at + 1);
  if (text[index] === ']') return undefined;
  while (index < text.length) {
    if (wanted === 0) return index;
    wanted--;
    index = skipWhitespace(text, valueEnd(text, index));
    if (text[index] !== ',') return undefined;
    index = skipWhitespace(text, index + 1);
  }
  return undefined;
}

/** The reference tokens of a pointer (`''` names the whole document). */
export function jsonPointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * The text of the value `pointer` names, without surrounding whitespace, or undefined when
 * it names nothing. `text` must already be known to be valid JSON (parse it first).
 */
export function jsonPointerText(text: string, pointer: string): string | undefined {
  let start = skipWhitespace(text, 0);
  for (const token of jsonPointerTokens(pointer)) {
    const first = text[start];
    const next =
      first === '{' ? memberStart(text, start, token) : first === '[' ? elementStart(text, start, token) : undefined;
    if (next === undefined) return undefined;
    start = next;
  }
  return text.slice(start, valueEnd(text, start));
}

/** The value `pointer` names in an already parsed document, or undefined. */
export function jsonPointerValue(document: unknown, pointer: string): unknown {
  let value = document;
  for (const token of jsonPointerTokens(pointer)) {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      value = value[Number(token)];
    } else if (typeof value === 'object' && value !== null && Object.hasOwn(value, token)) {
      value = (value as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return value;
}
