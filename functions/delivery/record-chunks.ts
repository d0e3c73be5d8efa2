/** Splitting of records into calls that respect a service's per-call limits, in order. */

/** Per-call limits: records and total bytes. */
export interface CallLimits {
  readonly records: number;
  readonly bytes: number;
}

/**
 * Groups records, in order, into chunks of at most `limits.records` records and
 * `limits.bytes` bytes, counting `overheadBytes` per record (a Kinesis partition key).
 */
export function chunkRecords<T extends { readonly byteLength: number }>(
  records: readonly T[],
  limits: CallLimits,
  overheadBytes = 0,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const size = record.byteLength + overheadBytes;
    if (current.length > 0 && (current.length >= limits.records || currentBytes + size > limits.bytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
