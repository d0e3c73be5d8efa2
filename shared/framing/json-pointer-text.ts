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

/**
 * Index just past the string literal that starts at `at`: the next quote not escaped, found
 * with indexOf (native, and most of a page's text is inside strings) rather than a loop over
 * every character. A quote is escaped when an odd number of backslashes runs up to it.
 */
function stringEnd(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (quote - backslashes - 1 > at && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
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

/** One element of an array, as sent, and the text of the member a pointer names inside it. */
export interface JsonElementText {
  /** The element's text, without the whitespace around it. */
  readonly text: string;
  /** Where the element's text starts in the document, in UTF-16 code units (a byte offset only in ASCII). */
  readonly start: number;
  /** The text of the member `memberPointer` names in the element, or undefined when it names nothing. */
  readonly member: string | undefined;
}

/** End of the member `key` of the object at `at` (the last one), and its value's bounds. */
function objectEndWithMember(text: string, at: number, key: string): { end: number; value?: [number, number] } {
  let index = skipWhitespace(text, at + 1);
  let value: [number, number] | undefined;
  while (index < text.length && text.charCodeAt(index) === QUOTE) {
    const keyEnd = stringEnd(text, index);
    const raw = text.slice(index + 1, keyEnd - 1);
    const matches = raw === key || (raw.includes('\\') && JSON.parse(text.slice(index, keyEnd)) === key);
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const valueStop = valueEnd(text, valueStart);
    if (matches) value = [valueStart, valueStop];
    index = skipWhitespace(text, valueStop);
    if (text.charCodeAt(index) !== COMMA) break;
    index = skipWhitespace(text, index + 1);
  }
  // `index` is at the closing brace of a valid object (or of an empty one).
  return value ? { end: index + 1, value } : { end: index + 1 };
}

/** The elements of the array at `at` (one scan), each with its member `memberPointer` names; and where the array ends. */
function arrayElementTexts(
  text: string,
  at: number,
  memberPointer: string | undefined,
): { elements: JsonElementText[]; end: number } {
  const tokens = memberPointer === undefined ? undefined : jsonPointerTokens(memberPointer);
  // A pointer to a member of the element itself (`/id`, the usual case) is read while the
  // element is scanned; a deeper one is looked up in the element's text afterwards.
  const [firstToken] = tokens ?? [];
  const direct = tokens?.length === 1 && firstToken !== undefined ? firstToken : undefined;
  const elements: JsonElementText[] = [];
  let index = skipWhitespace(text, at + 1);
  if (text.charCodeAt(index) === CLOSE_ARRAY) return { elements, end: index + 1 };
  while (index < text.length) {
    const start = index;
    let end: number;
    let member: string | undefined;
    const scanned = direct !== undefined && text.charCodeAt(start) === OPEN_OBJECT;
    if (scanned) {
      const object = objectEndWithMember(text, start, direct);
      end = object.end;
      member = object.value ? text.slice(object.value[0], object.value[1]) : undefined;
    } else {
      end = valueEnd(text, start);
    }
    const element = text.slice(start, end);
    if (memberPointer !== undefined && !scanned) member = jsonPointerText(element, memberPointer);
    elements.push({ text: element, start, member });
    index = skipWhitespace(text, end);
    if (text.charCodeAt(index) !== COMMA) break;
    index = skipWhitespace(text, index + 1);
  }
  return { elements, end: index + 1 };
}

/**
 * The text of each element of the array `pointer` names, and of the member `memberPointer`
 * names in each, read in one scan of the array (the pull runner's pages: the records and their
 * ids). Undefined when the pointer names no array. `text` must already be known to be valid JSON.
 */
export function jsonPointerElements(
  text: string,
  pointer: string,
  memberPointer?: string,
): JsonElementText[] | undefined {
  const tokens = jsonPointerTokens(pointer);
  const last = tokens.pop();
  let start = skipWhitespace(text, 0);
  for (const token of tokens) {
    const first = text[start];
    const next =
      first === '{' ? memberStart(text, start, token) : first === '[' ? elementStart(text, start, token) : undefined;
    if (next === undefined) return undefined;
    start = next;
  }
  if (last !== undefined && text.charCodeAt(start) === OPEN_ARRAY) {
    const next = elementStart(text, start, last);
    if (next === undefined) return undefined;
    start = next;
  } else if (last !== undefined) {
    if (text.charCodeAt(start) !== OPEN_OBJECT) return undefined;
    // The array is split while the object's members are walked; a later duplicate key wins, as
    // in JSON.parse, so its elements replace the earlier ones.
    let found: JsonElementText[] | undefined;
    let index = skipWhitespace(text, start + 1);
    while (index < text.length && text.charCodeAt(index) === QUOTE) {
      const keyEnd = stringEnd(text, index);
      const raw = text.slice(index + 1, keyEnd - 1);
      const matches = raw === last || (raw.includes('\\') && JSON.parse(text.slice(index, keyEnd)) === last);
      const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
      let valueStop: number;
      if (matches && text.charCodeAt(valueStart) === OPEN_ARRAY) {
        const array = arrayElementTexts(text, valueStart, memberPointer);
        found = array.elements;
        valueStop = array.end;
      } else {
        if (matches) found = undefined;
        valueStop = valueEnd(text, valueStart);
      }
      index = skipWhitespace(text, valueStop);
      if (text.charCodeAt(index) !== COMMA) break;
      index = skipWhitespace(text, index + 1);
    }
    return found;
  }
  if (text.charCodeAt(start) !== OPEN_ARRAY) return undefined;
  return arrayElementTexts(text, start, memberPointer).elements;
}
