/**
 * The dead-letter line of one rejected record (format in docs/dead-letters.md): one JSON object
 * per line with the stream, the request id, the time received, the reasons and the record as
 * the posted text (a string, so nothing of it is lost even when it is not valid JSON). The
 * reasons are bounded like an answer's errors, so that the record itself keeps the room.
 */
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { type FieldError, problemType } from '#shared/contract/errors';
import { boundedFieldErrors } from '#shared/contract/quoted-input';
import type { RejectedRecord } from './body/body-records.ts';

/** Where a rejected record came from. */
export interface DeadLetterSource {
  readonly tenant: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly batch: boolean;
}

const encoder = new TextEncoder();

interface Reasons {
  readonly errors: readonly FieldError[];
  readonly shortened: boolean;
}

function line(
  source: DeadLetterSource,
  rejected: RejectedRecord,
  reasons: Reasons,
  record: string,
  truncated: boolean,
): Uint8Array {
  const entry = {
    tenant: source.tenant,
    stream: source.streamId,
    request_id: source.requestId,
    received_at: source.receivedAt.toISOString(),
    ...(source.batch ? { index: rejected.index } : {}),
    problem: problemType(rejected.error.slug),
    reasons: reasons.errors,
    ...(reasons.shortened ? { reasons_truncated: true } : {}),
    record,
    ...(truncated ? { record_truncated: true } : {}),
  };
  return encoder.encode(`${JSON.stringify(entry)}\n`);
}

/**
 * The dead-letter line of a rejected record. A line never exceeds one Firehose record: when
 * escaping makes it too long, the record text is cut and `record_truncated` is set.
 */
export function deadLetterLine(source: DeadLetterSource, rejected: RejectedRecord): Uint8Array {
  const reasons = boundedFieldErrors(rejected.errors);
  const whole = line(source, rejected, reasons, rejected.text, false);
  if (whole.byteLength <= MAX_RECORD_BYTES) return whole;
  // Bounded reasons leave the record nearly all of the line; each pass cuts it by at least
  // the excess, so the loop ends (at the latest with an empty record).
  let keep = rejected.text.length;
  let bytes = whole;
  while (bytes.byteLength > MAX_RECORD_BYTES && keep > 0) {
    keep = Math.max(0, Math.min(keep - 1, Math.floor((keep * MAX_RECORD_BYTES) / bytes.byteLength) - 1024));
    bytes = line(source, rejected, reasons, rejected.text.slice(0, keep), true);
  }
  return bytes;
}
