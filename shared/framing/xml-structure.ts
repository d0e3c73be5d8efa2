/**
 * The well-formedness of an XML document's structure (XML 1.0 §2.1, §2.6, §3.1), checked in
 * one linear pass after the guard (xml-guard.ts) and before the parser, which itself accepts
 * unclosed and mismatched tags, attributes without values and text around the root, and
 * silently drops or merges them. It refuses:
 *
 * - anything but white space, comments and processing instructions around the root element,
 *   an XML declaration anywhere but at the start, and a second root;
 * - a start tag that is not `<Name (S Name S? = S? "value")* S? /?>` (names as XML names,
 *   every attribute named once), an end tag that is not `</Name S?>` or names another element,
 *   and an element left open;
 * - nesting deeper than MAX_NESTING_DEPTH, and element or attribute names that would reach a
 *   consumer of the stored item as `__proto__`, `constructor` or `prototype` keys.
 *
 * The guard has already refused DOCTYPE, entity references other than the predefined ones,
 * unclosed comments, CDATA sections, processing instructions and tags, and `<` in attribute
 * values. This pass replaced fast-xml-parser's validator, a second full pass over the text that
 * cost more than a quarter of an XML post (docs/performance.md); a property test holds it to
 * refuse all that validator refuses.
 */
import { MAX_NESTING_DEPTH } from '../contract/ingest-limits.ts';
import { boundedText, MAX_QUOTED_NAME_BYTES } from '../contract/quoted-input.ts';

/** Why a document is refused: a well-formedness error (at a line) or a policy limit. */
export interface XmlStructureFault {
  readonly kind: 'malformed' | 'refused';
  readonly reason: string;
  /** 1-based line of the construct at fault. */
  readonly line: number;
}

/** Names that must not become keys of the parsed value (the parser refuses them as elements only). */
export const RESERVED_XML_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Element names the parser would store with a `__` prefix (its names of `Object.prototype`
 * members that are safe to rename), as they are stored. A document naming one of these forms
 * itself is refused, so that a stored `__toString` always stands for a `toString` element and
 * never merges with one. The list is fast-xml-parser 5's DANGEROUS_PROPERTY_NAMES, which it
 * does not export; a test pins that the parser still renames them.
 */
export const PREFIXED_ELEMENT_NAMES = new Set(
  [
    'hasOwnProperty',
    'toString',
    'valueOf',
    '__defineGetter__',
    '__defineSetter__',
    '__lookupGetter__',
    '__lookupSetter__',
  ].map((name) => `__${name}`),
);

// XML 1.0 (fifth edition) Name: NameStartChar NameChar*.
// U+1680 and U+FEFF are name characters to XML but white space to JavaScript, where the parser
// splits names: `x\uFEFF__proto__` would reach the stored value as `@__proto__`. They are refused.
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u167F\\u1681-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFEFE\\uFF00-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*`, 'uy');

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const GT = 0x3e;
const QUESTION = 0x3f;
const UNDERSCORE = 0x5f;
const EXCLAMATION = 0x21;
const BYTE_ORDER_MARK = 0xfeff;

/** Attributes compared pairwise up to this many per tag; a Set beyond. */
const PAIRWISE_ATTRIBUTES = 8;

function isSpace(code: number): boolean {
  return code === SPACE || code === LF || code === TAB || code === CR;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line += 1;
  return line;
}

class Fault {
  constructor(
    readonly kind: XmlStructureFault['kind'],
    readonly reason: string,
    readonly at: number,
  ) {}
}

/** The scan's position, or the fault that stopped it. */
type Step = number | Fault;

/** A name as a reason quotes it: shortened past MAX_QUOTED_NAME_BYTES. */
function shown(name: string): string {
  return boundedText(name, MAX_QUOTED_NAME_BYTES);
}

function malformed(reason: string, at: number): Fault {
  return new Fault('malformed', reason, at);
}

function refused(reason: string, at: number): Fault {
  return new Fault('refused', reason, at);
}

/** The end of the XML name at `at`, or -1 when none starts there. */
function nameEnd(text: string, at: number): number {
  NAME.lastIndex = at;
  return NAME.test(text) ? NAME.lastIndex : -1;
}

function skipSpace(text: string, at: number): number {
  let index = at;
  while (index < text.length && isSpace(text.charCodeAt(index))) index += 1;
  return index;
}

function reservedName(text: string, start: number, end: number): boolean {
  // The three names are 9 to 11 characters long: most names are ruled out without a slice.
  const length = end - start;
  return length >= 9 && length <= 11 && RESERVED_XML_NAMES.has(text.slice(start, end));
}

/** Why a document with a reserved name is refused. */
export const RESERVED_NAMES_REASON = 'element or attribute names __proto__, constructor and prototype are reserved';

/** Whether the element name at start..end is one the parser's renaming produces. */
function prefixedElementName(text: string, start: number, end: number): boolean {
  return (
    text.charCodeAt(start) === UNDERSCORE &&
    text.charCodeAt(start + 1) === UNDERSCORE &&
    PREFIXED_ELEMENT_NAMES.has(text.slice(start, end))
  );
}

/** Checks the attributes of a start tag from `at` (after its name); the index of its `/` or `>`. */
function scanAttributes(text: string, at: number): Step {
  let index = at;
  const names: string[] = [];
  let seen: Set<string> | undefined;
  for (;;) {
    const afterSpace = skipSpace(text, index);
    const code = text.charCodeAt(afterSpace);
    if (code === GT || code === SLASH) return afterSpace;
    if (afterSpace === index) return malformed('attributes must be separated by white space', index);
    const end = nameEnd(text, afterSpace);
    if (end === -1) return malformed('an attribute name is not a valid XML name', afterSpace);
    const name = text.slice(afterSpace, end);
    if (reservedName(text, afterSpace, end)) return refused(RESERVED_NAMES_REASON, afterSpace);
    if (seen === undefined && names.length >= PAIRWISE_ATTRIBUTES) seen = new Set(names);
    if (seen ? seen.has(name) : names.includes(name)) {
      return malformed(`the attribute ${shown(name)} is given twice`, afterSpace);
    }
    if (seen) seen.add(name);
    else names.push(name);
    let cursor = skipSpace(text, end);
    if (text.charCodeAt(cursor) !== EQUALS) return malformed(`the attribute ${shown(name)} has no value`, afterSpace);
    cursor = skipSpace(text, cursor + 1);
    const quote = text.charCodeAt(cursor);
    if (quote !== QUOTE && quote !== APOSTROPHE) {
      return malformed(`the value of the attribute ${shown(name)} is not quoted`, afterSpace);
    }
    const close = text.indexOf(quote === QUOTE ? '"' : "'", cursor + 1);
    if (close === -1) return malformed(`the value of the attribute ${shown(name)} is not closed`, afterSpace);
    index = close + 1;
  }
}

/** The open elements' names, innermost last, and where each started. */
class OpenElements {
  readonly names: string[] = [];
  readonly starts: number[] = [];
  rootClosed = false;
}

/** A start or empty-element tag at `lt`; the index after it. */
function scanStartTag(text: string, lt: number, open: OpenElements): Step {
  const end = nameEnd(text, lt + 1);
  if (end === -1) return malformed('a tag does not start with a valid XML name', lt);
  if (open.names.length === 0 && open.rootClosed) {
    return refused('a document has exactly one root element', lt);
  }
  if (reservedName(text, lt + 1, end)) return refused(RESERVED_NAMES_REASON, lt);
  if (prefixedElementName(text, lt + 1, end)) {
    const name = text.slice(lt + 1, end);
    return refused(`the element name ${name} is reserved: it is how an element ${name.slice(2)} is stored`, lt);
  }
  const close = scanAttributes(text, end);
  if (typeof close !== 'number') return close;
  if (text.charCodeAt(close) === SLASH) {
    if (text.charCodeAt(close + 1) !== GT) return malformed('`/` in a tag must be followed by `>`', close);
    if (open.names.length === 0) open.rootClosed = true;
    return close + 2;
  }
  if (open.names.length >= MAX_NESTING_DEPTH) {
    return refused(`elements nest deeper than ${MAX_NESTING_DEPTH} levels`, lt);
  }
  open.names.push(text.slice(lt + 1, end));
  open.starts.push(lt);
  return close + 1;
}

/** An end tag at `lt`; the index after it. */
function scanEndTag(text: string, lt: number, open: OpenElements): Step {
  const end = nameEnd(text, lt + 2);
  if (end === -1) return malformed('an end tag does not name an element', lt);
  const gt = skipSpace(text, end);
  if (text.charCodeAt(gt) !== GT) return malformed('an end tag holds more than its name', lt);
  const name = open.names.pop();
  const start = open.starts.pop() ?? 0;
  const closing = text.slice(lt + 2, end);
  if (name === undefined) return malformed(`the end tag </${shown(closing)}> closes no element`, lt);
  if (name !== closing) {
    return malformed(
      `the end tag </${shown(closing)}> does not close <${shown(name)}>, opened on line ${lineAt(text, start)}`,
      lt,
    );
  }
  if (open.names.length === 0) open.rootClosed = true;
  return gt + 1;
}

/** A processing instruction at `lt`; the index after it. */
function scanProcessingInstruction(text: string, lt: number, documentStart: number): Step {
  const end = nameEnd(text, lt + 2);
  if (end === -1) return malformed('a processing instruction does not start with a valid target name', lt);
  const target = text.slice(lt + 2, end);
  if (target.toLowerCase() === 'xml' && lt !== documentStart) {
    return malformed('the XML declaration is allowed only at the start of the document', lt);
  }
  const code = text.charCodeAt(end);
  if (!isSpace(code) && !(code === QUESTION && text.charCodeAt(end + 1) === GT)) {
    return malformed('a processing instruction target must be followed by white space or `?>`', lt);
  }
  const close = text.indexOf('?>', end);
  if (close === -1) return malformed('a processing instruction is not closed', lt);
  // The parser skips quoted text when it looks for a PI's end: a quote left open would make it
  // read on past this `?>`, through markup this pass never checked.
  let quote = 0;
  for (let index = end; index < close; index++) {
    const code = text.charCodeAt(index);
    if (quote === 0 && (code === QUOTE || code === APOSTROPHE)) quote = code;
    else if (code === quote) quote = 0;
  }
  return quote === 0 ? close + 2 : malformed('a processing instruction holds an unmatched quote', lt);
}

/** Markup at `lt` (a `<`): a comment, CDATA section, PI or tag; the index after it. */
function scanMarkup(text: string, lt: number, open: OpenElements, documentStart: number): Step {
  const next = text.charCodeAt(lt + 1);
  if (next === QUESTION) return scanProcessingInstruction(text, lt, documentStart);
  if (next === EXCLAMATION) {
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4);
      return close === -1 ? malformed('a comment is not closed', lt) : close + 3;
    }
    if (!text.startsWith('<![CDATA[', lt)) return malformed('markup declarations are not allowed', lt);
    if (open.names.length === 0) return malformed('only the root element may hold CDATA', lt);
    const close = text.indexOf(']]>', lt + 9);
    return close === -1 ? malformed('a CDATA section is not closed', lt) : close + 3;
  }
  if (next === SLASH) return scanEndTag(text, lt, open);
  return scanStartTag(text, lt, open);
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!isSpace(text.charCodeAt(index))) return false;
  return true;
}

/** Why the structure of a document is refused, or `undefined` when it is well formed. */
export function xmlStructureFault(text: string): XmlStructureFault | undefined {
  const open = new OpenElements();
  // A byte order mark may start the text (the parser drops it); the declaration may follow it.
  const start = text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0;
  let index = start;
  while (index < text.length) {
    const lt = text.indexOf('<', index);
    if (open.names.length === 0 && !isBlank(text, index, lt === -1 ? text.length : lt)) {
      const at = skipSpace(text, index);
      return fault(
        text,
        open.rootClosed
          ? refused('content after the root element is not allowed', at)
          : malformed('text before the root element is not allowed', at),
      );
    }
    if (lt === -1) break;
    const step = scanMarkup(text, lt, open, start);
    if (typeof step !== 'number') return fault(text, step);
    index = step;
  }
  const unclosed = open.names.at(-1);
  if (unclosed !== undefined) {
    return fault(text, malformed(`<${shown(unclosed)}> is not closed`, open.starts.at(-1) ?? 0));
  }
  if (!open.rootClosed) return fault(text, malformed('a document needs a root element', 0));
  return undefined;
}

function fault(text: string, found: Fault): XmlStructureFault {
  return { kind: found.kind, reason: found.reason, line: lineAt(text, found.at) };
}
