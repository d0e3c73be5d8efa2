/**
 * The dead-letter line of one rejected record (format in docs/contract.md): one JSON object
 * per line with the stream, the request id, the time received, the reasons and the record as
 * the posted text (a string, so nothing of it is lost even when it is not valid JSON).
 */
import { MAX_RECORD_BYTES } from '#shared/contract';
import { problemType } from '#shared/errors';
import type { RejectedRecord } from './body-records.ts';

/** Where a rejected record came from. */
export interface DeadLetterSource {
  readonly tenant: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly batch: boolean;
}

const encoder = new TextEncoder();

function line(source: DeadLetterSource, rejected: RejectedRecord, record: string, truncated: boolean): Uint8Array {
  const entry = {
    tenant: source.tenant,
    stream: source.streamId,
    request_id: source.requestId,
    received_at: source.receivedAt.toISOString(),
    ...(source.batch ? { index: rejected.index } : {}),
    problem: problemType(rejected.error.slug),
    reasons: rejected.errors,
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
  let bytes = line(source, rejected, rejected.text, false);
  let keep = rejected.text.length;
  while (bytes.byteLength > MAX_RECORD_BYTES) {
    keep = Math.floor((keep * MAX_RECORD_BYTES) / bytes.byteLength) - 1024;
    bytes = line(source, rejected, rejected.text.slice(0, Math.max(0, keep)), true);
  }
  return bytes;
}
