/**
 * XML documents as data: one document becomes one plain value (objects, arrays, strings)
 * for CBOR. Text and attribute values stay strings (no type guessing: `007` stays `"007"`),
 * attributes are kept with an `@` prefix, text beside child elements is under `#text`, and
 * a repeated element becomes an array. DOCTYPE and entity declarations are refused before
 * parsing (see xml-guard.ts), and every document's structure is checked before it is parsed
 * (xml-structure.ts).
 */
import { XMLParser } from 'fast-xml-parser';
import { MalformedBodyError } from '../contract/errors.ts';
import { MAX_NESTING_DEPTH } from '../contract/ingest-limits.ts';
import { boundedText, MAX_QUOTED_NAME_BYTES } from '../contract/quoted-input.ts';
import { xmlRefusal } from './xml-guard.ts';
import { RESERVED_NAMES_REASON, RESERVED_XML_NAMES, xmlStructureFault } from './xml-structure.ts';

/** Prefix of attribute keys in the parsed value. */
export const XML_ATTRIBUTE_PREFIX = '@';
/** Key of an element's text when it also has attributes or children. */
export const XML_TEXT_KEY = '#text';

/** The value of a parsed XML document: a one-key object holding the root element. */
export type XmlValue = Record<string, unknown>;

const XML_PREDEFINED_ENTITIES = { amp: '&', apos: "'", gt: '>', lt: '<', quot: '"' };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
  textNodeName: XML_TEXT_KEY,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // fast-xml-parser 5 decodes character references (&#65; &#x42;) only when this option is
  // set; its runtime takes a map of named entities here (typed as boolean), and the map of
  // the five predefined ones keeps HTML entities out. A test pins this behaviour.
  htmlEntities: XML_PREDEFINED_ENTITIES as unknown as boolean,
  maxNestedTags: MAX_NESTING_DEPTH,
  // No callback here reads the path, so the parser need not write it out as a string for
  // every element.
  jPath: false,
});

const XML_DECLARATION = /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([^"']*)["']/;

/** Parses one XML document; throws {@link MalformedBodyError} with the reason when it is not one Sluice takes. */
export function parseXmlDocument(text: string): XmlValue {
  if (text.trim() === '') throw new MalformedBodyError('The body is empty; an XML document was expected.');
  const declaredEncoding = XML_DECLARATION.exec(text)?.[1];
  if (declaredEncoding !== undefined && !['utf-8', 'utf8'].includes(declaredEncoding.toLowerCase())) {
    throw new MalformedBodyError(
      `The document declares encoding "${boundedText(declaredEncoding, MAX_QUOTED_NAME_BYTES)}"; Sluice takes UTF-8 only.`,
    );
  }
  const refusal = xmlRefusal(text);
  if (refusal) throw new MalformedBodyError(`The XML document was refused: ${refusal}.`);
  const fault = xmlStructureFault(text);
  if (fault?.kind === 'refused') throw new MalformedBodyError(`The XML document was refused: ${fault.reason}.`);
  if (fault) throw new MalformedBodyError(`The body is not well-formed XML: ${fault.reason} (line ${fault.line}).`);
  let value: unknown;
  try {
    value = parser.parse(text);
  } catch (error) {
    throw new MalformedBodyError(`The XML document was refused: ${describeParserError(error)}.`);
  }
  if (typeof value !== 'object' || value === null || Object.keys(value).length !== 1) {
    throw new MalformedBodyError('The body is not well-formed XML: a document has exactly one root element.');
  }
  // A backstop behind the structure pass, for names the parser reads other than XML does; only
  // documents that hold a reserved name at all are walked (the walk is bounded by the depth limit).
  if (RESERVED_XML_NAMES_IN_TEXT.test(text) && hasReservedAttribute(value)) {
    throw new MalformedBodyError(`The XML document was refused: ${RESERVED_NAMES_REASON}.`);
  }
  return value as XmlValue;
}

const RESERVED_XML_NAMES_IN_TEXT = new RegExp([...RESERVED_XML_NAMES].join('|'));
const RESERVED_ATTRIBUTES = new Set([...RESERVED_XML_NAMES].map((name) => `${XML_ATTRIBUTE_PREFIX}${name}`));

function hasReservedAttribute(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasReservedAttribute);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, child]) => RESERVED_ATTRIBUTES.has(key) || hasReservedAttribute(child));
}

function describeParserError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('Maximum nested tags')) return `elements nest deeper than ${MAX_NESTING_DEPTH} levels`;
  if (message.includes('[SECURITY]')) return RESERVED_NAMES_REASON;
  return 'it could not be parsed';
}
