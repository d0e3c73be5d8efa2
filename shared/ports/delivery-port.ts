/**
 * The delivery port: how the ingest core hands records downstream. On AWS it is Firehose
 * Direct PUT or Kinesis; in local mode it is the Firehose emulation. An implementation
 * resolves only once every record was acknowledged, and otherwise throws
 * DownstreamThrottledError, DownstreamUnavailableError or DeadlineExceededError.
 */

/**
 * Which delivery stream of a Sluice stream: its records, its dead-letter stream, or the
 * NDJSON copy of an XML stream with `projection: 'json'` (Athena cannot read CBOR).
 */
export type DeliveryChannel = 'records' | 'dead-letter' | 'json-projection';

/** Every delivery channel, for parsers that read a channel back from a name. */
export const DELIVERY_CHANNELS: readonly DeliveryChannel[] = ['records', 'dead-letter', 'json-projection'];

/** The channels a stream has: always its records, plus its dead-letter stream and JSON projection when set. */
export function streamChannels(stream: {
  readonly deadLetter: boolean;
  readonly projection?: 'json' | undefined;
}): DeliveryChannel[] {
  return [
    'records',
    ...(stream.deadLetter ? (['dead-letter'] as const) : []),
    ...(stream.projection === 'json' ? (['json-projection'] as const) : []),
  ];
}

/** Records bound for one delivery stream. */
export interface DeliveryBatch {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /** Framed records: one NDJSON line or one CBOR item each. */
  readonly records: readonly Uint8Array[];
  /** Epoch milliseconds by which delivery must have finished. */
  readonly deadlineAt: number;
  /** Told what happened on the way, for metrics; an implementation that retries nothing may ignore it. */
  readonly report?: DeliveryReport;
  /**
   * The Idempotency-Key answer these records complete: local mode's journal writes it under the
   * same fsync as the records, so that a crash cannot keep the records and lose the key's
   * completion (docs/adr/0010). Firehose and Kinesis ignore it.
   */
  readonly completes?: KeyedAnswer;
}

/** The first answer of a keyed post, as the idempotency layer stores it once the records are acknowledged. */
export interface KeyedAnswer {
  readonly streamId: string;
  /** The Idempotency-Key header as posted. */
  readonly key: string;
  /** The digest of the body the key was first used for. */
  readonly digest: string;
  /** The answer the key replays (a payload-format-2.0 result). */
  readonly answer: unknown;
}

/** What a delivery tells while it works: records sent again, and records the service throttled. */
export interface DeliveryReport {
  retried(records: number): void;
  throttled(records: number): void;
}

/** Delivers records; resolves only after every record was acknowledged. */
export interface RecordDelivery {
  deliver(batch: DeliveryBatch): Promise<void>;
}
