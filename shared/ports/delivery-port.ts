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
