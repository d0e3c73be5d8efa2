/** Framing of an XML post: one document becomes one CBOR item of a stream's CBOR sequence file. */
import { encodeCborItem } from './cbor-item.ts';
import { parseXmlDocument } from './xml-document.ts';

/** Parses an XML document and encodes it as one CBOR item; throws MalformedBodyError for a bad document. */
export function frameXmlDocument(text: string): Uint8Array {
  return encodeCborItem(parseXmlDocument(text));
}
