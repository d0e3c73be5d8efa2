/**
 * Framing of an XML post: one document, or each element at the stream's `records` path, becomes
 * one CBOR item of a stream's CBOR sequence file.
 */
import { Buffer } from 'node:buffer';
import { encodeCborItem } from './cbor-item.ts';
import { parseXmlDocument } from './xml-document.ts';
import { selectXmlRecords } from './xml-records.ts';

/** Parses an XML document and encodes it as one CBOR item; throws MalformedBodyError for a bad document. */
export function frameXmlDocument(text: string): Uint8Array {
  return encodeCborItem(parseXmlDocument(text));
}

/** An XML document framed twice: its CBOR item, and the same value as one NDJSON line (`projection: 'json'`). */
export interface ProjectedXmlDocument {
  readonly cbor: Uint8Array;
  readonly json: Uint8Array;
}

/**
 * Parses an XML document once and frames it as a CBOR item and as the JSON line that item
 * decodes to (every value a string, so JSON.stringify loses nothing); throws MalformedBodyError.
 */
export function frameXmlDocumentWithJson(text: string): ProjectedXmlDocument {
  const value = parseXmlDocument(text);
  return { cbor: encodeCborItem(value), json: Buffer.from(`${JSON.stringify(value)}\n`, 'utf8') };
}

/** One framed XML record: its CBOR item and, for `projection: 'json'`, its NDJSON line. */
export interface FramedXmlRecord {
  readonly cbor: Uint8Array;
  readonly json?: Uint8Array;
}

/**
 * Parses an XML document once and frames the records of a stream's `records` path (see
 * xml-records.ts), each as a CBOR item and, with `projected`, a JSON line. Throws
 * MalformedBodyError for a bad document; an empty list when no element is at the path.
 */
export function frameXmlRecords(text: string, path: string, projected: boolean): FramedXmlRecord[] {
  return selectXmlRecords(parseXmlDocument(text), path).map((value) => ({
    cbor: encodeCborItem(value),
    ...(projected ? { json: Buffer.from(`${JSON.stringify(value)}\n`, 'utf8') } : {}),
  }));
}
