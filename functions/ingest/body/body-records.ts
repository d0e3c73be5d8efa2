/** What reading a body yields: framed records ready for delivery, and the records it rejected. */
import type { FieldError, MalformedBodyError, SchemaViolationError } from '#shared/contract/errors';

/** A record that passed: its position in the request and its stored bytes. */
export interface AcceptedRecord {
  readonly index: number;
  readonly framed: Uint8Array;
  /** The record's NDJSON line, for an XML stream with `projection: 'json'`. */
  readonly projected?: Uint8Array;
}

/** A record that failed: its position, its posted text and why. */
export interface RejectedRecord {
  readonly index: number;
  readonly text: string;
  readonly error: MalformedBodyError | SchemaViolationError;
  readonly errors: readonly FieldError[];
}

/** The records of one body. `batch` is true for a batch post (JSON array or NDJSON). */
export interface BodyRecords {
  readonly batch: boolean;
  readonly accepted: AcceptedRecord[];
  readonly rejected: RejectedRecord[];
}
