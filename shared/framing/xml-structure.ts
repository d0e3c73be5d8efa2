/**
 * A linear scan of the element structure of XML text, run before the validator and the
 * parser: it refuses nesting deeper than MAX_NESTING_DEPTH (the parser's own limit lets one
 * level more through, and its validator spends seconds on 100,000 unclosed tags before
 * answering with all their names) and anything after the root element but comments,
 * processing instructions and white space, which the parser would silently drop or merge into
 * the root. Text it cannot read as tags is left to the validator to describe.
 */
import { MAX_NESTING_DEPTH } from '../contract/ingest-limits.ts';

/** Where the markup that starts at `lt` ends (the index after it), or -1 when it does not. */
function markupEnd(text: string, lt: number): number {
  for (const [open, close] of [
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
    ['<?', '?>'],
  ] as const) {
    if (text.startsWith(open, lt)) {
      const end = text.indexOf(close, lt + open.length);
      return end === -1 ? -1 : end + close.length;
    }
  }
  // A tag: `>` inside a quoted attribute value does not end it.
  let quote = '';
  for (let index = lt + 1; index < text.length; index++) {
    const char = text[index];
    if (quote !== '') {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return index + 1;
    }
  }
  return -1;
}

/** Why the element structure of a document is refused, or `undefined` when it may be parsed. */
export function xmlStructureRefusal(text: string): string | undefined {
  let depth = 0;
  let rootClosed = false;
  let index = 0;
  while (index < text.length) {
    const lt = text.indexOf('<', index);
    if (depth === 0 && text.slice(index, lt === -1 ? text.length : lt).trim() !== '') {
      return rootClosed ? 'content after the root element is not allowed' : undefined;
    }
    if (lt === -1) return undefined;
    const end = markupEnd(text, lt);
    if (end === -1) return undefined;
    const next = text[lt + 1];
    const isElement = next !== '!' && next !== '?';
    if (isElement && next === '/') {
      depth -= 1;
      if (depth < 0) return undefined;
      if (depth === 0) rootClosed = true;
    } else if (isElement) {
      if (depth === 0 && rootClosed) return 'a document has exactly one root element';
      if (text[end - 2] === '/') {
        if (depth === 0) rootClosed = true;
      } else {
        depth += 1;
        if (depth > MAX_NESTING_DEPTH) return `elements nest deeper than ${MAX_NESTING_DEPTH} levels`;
      }
    }
    index = end;
  }
  return undefined;
}
