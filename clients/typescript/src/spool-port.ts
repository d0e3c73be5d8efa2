/**
 * What the client needs of a durable spool. The client itself touches no file system, so that it
 * runs in browsers and workers; file-spool.ts is the Node implementation.
 */

/** One record kept by the spool: its stream, its sequence number in that stream and its text. */
export interface SpooledRecord {
  readonly stream: string;
  readonly seq: number;
  readonly text: string;
}

/** A batch cut from a stream's records `from` to `to` (sequence numbers, inclusive) with its fixed key. */
export interface SpooledBatch {
  readonly key: string;
  readonly stream: string;
  readonly from: number;
  readonly to: number;
  readonly records: readonly string[];
}

/** What an opened spool holds: records not yet cut, batches not yet answered, and the last cursor. */
export interface SpoolState {
  readonly records: readonly SpooledRecord[];
  readonly batches: readonly SpooledBatch[];
  /** Next sequence number per stream. */
  readonly nextSeq: Readonly<Record<string, number>>;
  /** The cursor given with the last durable append (what `sluice send` uses to resume a file). */
  readonly cursor: string | undefined;
}

/** A durable spool. */
export interface Spool {
  /** Reads what an earlier client left; called once before anything else. */
  open(): Promise<SpoolState>;
  /** Appends records (and a cursor) durably: resolves after they reached the disk. */
  append(records: readonly SpooledRecord[], cursor?: string): Promise<void>;
  /** Records durably that a stream's records `from`..`to` form the batch `key`, before it is sent. */
  cut(batch: Omit<SpooledBatch, 'records'>): Promise<void>;
  /** Records that a batch got its final answer; it is never sent again. */
  ack(key: string): Promise<void>;
  /** Writes what is pending and releases the spool. */
  close(): Promise<void>;
}
