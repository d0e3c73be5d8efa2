/**
 * CBOR encoding of one stored item (RFC 8949), for CBOR sequence files (RFC 8742).
 * cbor-x is configured to write plain CBOR that any decoder reads: no record extension
 * (tag 105), no shared structures, no string bundling, no structured-clone tags, and
 * definite, minimal map lengths.
 */
import { Encoder } from 'cbor-x';

const encoder = new Encoder({
  useRecords: false,
  structuredClone: false,
  bundleStrings: false,
  pack: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
  useToJSON: false,
});

/** Encodes one value as a single, self-contained CBOR item. */
export function encodeCborItem(value: unknown): Uint8Array {
  const bytes = encoder.encode(value);
  // cbor-x may return a view into its reusable buffer; copy so the caller owns the bytes.
  return Uint8Array.from(bytes);
}
