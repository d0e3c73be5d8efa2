/**
 * One record checked again against a stream's current config, with the ingest route's own
 * reading (json-body.ts, xml-body.ts) and its record size guard: what `sluice dlq replay` asks
 * of a dead-lettered record. An accepted record carries the bytes a post of it would have
 * stored, so a replayed record lands exactly as if it had been posted now.
 */

import type { StreamConfig } from '#shared/config/tenant-config';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { type FieldError, MalformedBodyError, PayloadTooLargeError } from '#shared/contract/errors';
import { readJsonBody, readJsonRecord } from './body/json-body.ts';
import { readXmlBody } from './body/xml-body.ts';

/** One record to store: its bytes, and its NDJSON line for an XML stream with `projection: 'json'`. */
export interface RecheckedRecord {
  readonly framed: Uint8Array;
  readonly projected?: Uint8Array;
}

/**
 * A dead letter that passes: the records a post of it would store now. One, but for an XML
 * document on a stream with `records`, which stores one per matching element.
 */
export interface RecheckPassed {
  readonly passed: true;
  readonly records: readonly RecheckedRecord[];
}

/** A record that still fails: the problem slug and the reasons a post would get. */
export interface RecheckFailed {
  readonly passed: false;
  readonly slug: string;
  readonly errors: readonly FieldError[];
}

/** The outcome of checking one record again. */
export type RecheckOutcome = RecheckPassed | RecheckFailed;

function failed(error: { readonly slug: string; readonly message: string }, errors?: readonly FieldError[]) {
  return { passed: false, slug: error.slug, errors: errors ?? [{ path: '', message: error.message }] } as const;
}

/** Checks a record's posted text against the stream as it is configured now. */
export function recheckRecord(stream: StreamConfig, text: string): RecheckOutcome {
  // A batch's record was within maxBytes as part of its body; alone it must fit the stream today.
  const size = Buffer.byteLength(text, 'utf8');
  if (size > stream.maxBytes) return failed(new PayloadTooLargeError(stream.maxBytes, size));
  let body: ReturnType<typeof readJsonRecord>;
  try {
    body =
      stream.payload === 'xml'
        ? readXmlBody(text, { projected: stream.projection === 'json', records: stream.records })
        : stream.batch
          ? readJsonRecord(stream, text)
          : // A stream without batch posts dead-letters whole bodies: read one as its post was read.
            readJsonBody(stream, 'json', text);
  } catch (error) {
    // An empty text: the ingest route refuses it as a malformed body.
    if (error instanceof MalformedBodyError) return failed(error);
    throw error;
  }
  const [rejected] = body.rejected;
  if (rejected) return failed(rejected.error, rejected.errors);
  if (body.accepted.length === 0) return failed(new MalformedBodyError('The record holds nothing to store.'));
  const records: RecheckedRecord[] = [];
  for (const accepted of body.accepted) {
    const largest = Math.max(accepted.framed.byteLength, accepted.projected?.byteLength ?? 0);
    if (largest > MAX_RECORD_BYTES) return failed(new PayloadTooLargeError(MAX_RECORD_BYTES, largest));
    records.push({ framed: accepted.framed, ...(accepted.projected ? { projected: accepted.projected } : {}) });
  }
  return { passed: true, records };
}
