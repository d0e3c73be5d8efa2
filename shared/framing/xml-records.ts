/**
 * Multi-record XML: a stream's `records` path (`/records/record`) names, from the root, the
 * elements that are each one record. A record is the matched element as the root of its own
 * item, `{ record: <element> }`, exactly as a one-record document `<record>…</record>` would be
 * stored; what lies outside the matched elements (the wrapper's attributes, text or other
 * children) is not stored. The whole document is parsed and hardened first (xml-document.ts).
 */
import type { XmlValue } from './xml-document.ts';

/**
 * A records path: `/` and an element name, one or more times. Names are XML names without the
 * `@` and `#` that mark attributes and text in the parsed value (a prefix such as `ns:` is part
 * of the name, as the parser keeps it).
 */
export const XML_RECORDS_PATH_PATTERN = /^(?:\/[A-Za-z_][A-Za-z0-9_.:-]*)+$/;

/** The element names of a records path, root first. */
export function xmlRecordsPathNames(path: string): string[] {
  return path.split('/').slice(1);
}

function childrenNamed(element: unknown, name: string): unknown[] {
  // An element with only text is a string, and has no children.
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return [];
  if (!Object.hasOwn(element, name)) return [];
  const child = (element as Record<string, unknown>)[name];
  // The parser makes a repeated element an array, in document order.
  return Array.isArray(child) ? child : [child];
}

/**
 * The records of a parsed document: each element at `path`, in document order, as a one-key
 * value `{ <name>: <element> }`. Empty when the root is another element or nothing matches.
 */
export function selectXmlRecords(document: XmlValue, path: string): XmlValue[] {
  const [rootName, ...names] = xmlRecordsPathNames(path);
  if (rootName === undefined) return [];
  let elements = childrenNamed(document, rootName);
  for (const name of names) elements = elements.flatMap((element) => childrenNamed(element, name));
  const recordName = names.at(-1) ?? rootName;
  return elements.map((element) => ({ [recordName]: element }));
}
