/**
 * The delivery port: how the ingest core hands records downstream. On AWS it is Firehose
 * Direct PUT or Kinesis; in local mode it is the Firehose emulation. An implementation
 * resolves only once every record was acknowledged, and otherwise throws
 * DownstreamThrottledError, DownstreamUnavailableError or DeadlineExceededError.
 */

/** Which delivery stream of a Sluice stream: its records, or its dead-letter stream. */
export type DeliveryChannel = 'records' | 'dead-letter';

/** Records bound for one delivery stream. */
export interface DeliveryBatch {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /** Framed records: one NDJSON line or one CBOR item each. */
  readonly records: readonly Uint8Array[];
  /** Epoch milliseconds by which delivery must have finished. */
  readonly deadlineAt: number;
}

/** Delivers records; resolves only after every record was acknowledged. */
export interface RecordDelivery {
  deliver(batch: DeliveryBatch): Promise<void>;
}
