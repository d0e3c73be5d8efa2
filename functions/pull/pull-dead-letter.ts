/**
 * The dead-letter line of what a pull could not land: a record that is not a JSON object (or
 * fails the stream's schema), or a whole page that is not JSON or has no records array. One JSON
 * object per line with the source, run, page, URL (query secrets removed), reason and the text as
 * the API sent it, cut so that the line stays within one Firehose record.
 */
import { MAX_RECORD_BYTES } from '#shared/contract/contract';

/** Characters of the text kept: JSON escaping at most sextuples a character, so the line stays below MAX_RECORD_BYTES. */
export const DEAD_LETTER_TEXT_CHARS = Math.floor((MAX_RECORD_BYTES - 16_384) / 6);

/** Where a rejected text came from. */
export interface PullDeadLetterOrigin {
  readonly tenant: string;
  readonly stream: string;
  readonly source: string;
  readonly run: string;
  readonly page: number;
  readonly url: string;
  readonly fetchedAt: Date;
}

const encoder = new TextEncoder();

/** The dead-letter line of a rejected record or page. */
export function pullDeadLetterLine(origin: PullDeadLetterOrigin, reason: string, text: string): Uint8Array {
  const truncated = text.length > DEAD_LETTER_TEXT_CHARS;
  const entry = {
    tenant: origin.tenant,
    stream: origin.stream,
    source: origin.source,
    run: origin.run,
    page: origin.page,
    url: origin.url,
    fetched_at: origin.fetchedAt.toISOString(),
    reason: reason.slice(0, 2_000),
    record: truncated ? text.slice(0, DEAD_LETTER_TEXT_CHARS) : text,
    ...(truncated ? { record_truncated: true } : {}),
  };
  return encoder.encode(`${JSON.stringify(entry)}\n`);
}
