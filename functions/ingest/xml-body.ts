/** Reading of an XML body: one document, one record, framed as one CBOR item. */
import { MalformedBodyError } from '#shared/errors';
import { frameXmlDocument, frameXmlDocumentWithJson } from '#shared/framing/xml-to-cbor';
import type { BodyRecords } from './body-records.ts';

/**
 * Reads an XML body; a malformed or refused document is a rejected record (it may go to the
 * dead-letter stream). With `projected`, the record also carries its NDJSON line.
 */
export function readXmlBody(text: string, projected = false): BodyRecords {
  if (text.trim() === '') throw new MalformedBodyError('The body is empty; an XML document was expected.');
  const records: BodyRecords = { batch: false, accepted: [], rejected: [] };
  try {
    if (projected) {
      const { cbor, json } = frameXmlDocumentWithJson(text);
      records.accepted.push({ index: 0, framed: cbor, projected: json });
    } else {
      records.accepted.push({ index: 0, framed: frameXmlDocument(text) });
    }
  } catch (error) {
    if (!(error instanceof MalformedBodyError)) throw error;
    records.rejected.push({ index: 0, text, error, errors: [{ path: '', message: error.message }] });
  }
  return records;
}
