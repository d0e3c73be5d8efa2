/**
 * Reading of an XML body: one document, one record, framed as one CBOR item; or, on a stream
 * with a `records` path, one record per element at that path.
 */
import { MalformedBodyError } from '#shared/contract/errors';
import { MAX_BATCH_RECORDS } from '#shared/contract/ingest-limits';
import { countStartTags } from '#shared/framing/xml-element-count';
import { frameXmlDocument, frameXmlDocumentWithJson, frameXmlRecords } from '#shared/framing/xml-to-cbor';
import type { AcceptedRecord, BodyRecords } from './body-records.ts';

/** How a stream reads its XML bodies. */
export interface XmlBodyOptions {
  /** Also frame each record as an NDJSON line (`projection: 'json'`). */
  readonly projected?: boolean;
  /** The stream's `records` path; absent, the document is one record. */
  readonly records?: string | undefined;
}

/**
 * Refuses, before any parsing, a document with more elements named like the path's last step
 * than a post may hold: parsing and encoding 100,000 records would block the event loop for seconds.
 */
function refuseOverlongBatch(text: string, path: string): void {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const count = countStartTags(text, name, MAX_BATCH_RECORDS);
  if (count > MAX_BATCH_RECORDS) {
    throw new OverlongXmlBatchError(
      `The document holds more than ${MAX_BATCH_RECORDS} <${name}> elements; a post takes at most ${MAX_BATCH_RECORDS} records at ${path}.`,
    );
  }
}

/** A document over the record cap: thrown past the per-record rejection, as a 400 of the whole post. */
class OverlongXmlBatchError extends MalformedBodyError {}

function documentRecords(text: string, options: XmlBodyOptions): AcceptedRecord[] {
  const { records: path, projected = false } = options;
  if (path === undefined) {
    if (!projected) return [{ index: 0, framed: frameXmlDocument(text) }];
    const { cbor, json } = frameXmlDocumentWithJson(text);
    return [{ index: 0, framed: cbor, projected: json }];
  }
  refuseOverlongBatch(text, path);
  const framed = frameXmlRecords(text, path, projected);
  if (framed.length === 0) {
    throw new MalformedBodyError(
      `The document has no element at ${path}; this stream takes one record per element there.`,
    );
  }
  return framed.map(({ cbor, json }, index) => ({ index, framed: cbor, ...(json ? { projected: json } : {}) }));
}

/**
 * Reads an XML body; a malformed or refused document, or one with no element at the `records`
 * path, is one rejected record (it may go to the dead-letter stream). A document with more
 * records than a batch post may hold throws MalformedBodyError.
 */
export function readXmlBody(text: string, options: XmlBodyOptions = {}): BodyRecords {
  if (text.trim() === '') throw new MalformedBodyError('The body is empty; an XML document was expected.');
  const records: BodyRecords = { batch: false, accepted: [], rejected: [] };
  try {
    records.accepted.push(...documentRecords(text, options));
  } catch (error) {
    if (!(error instanceof MalformedBodyError) || error instanceof OverlongXmlBatchError) throw error;
    records.rejected.push({ index: 0, text, error, errors: [{ path: '', message: error.message }] });
  }
  if (records.accepted.length > MAX_BATCH_RECORDS) {
    throw new MalformedBodyError(
      `The document holds ${records.accepted.length} records at ${options.records}; a post takes at most ${MAX_BATCH_RECORDS}.`,
    );
  }
  return records;
}
