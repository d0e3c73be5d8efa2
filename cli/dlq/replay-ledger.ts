/**
 * The replay ledger of `sluice dlq replay`: which dead-letter records were replayed, when and by
 * which run. It lives in the landing bucket itself, under `dlq-replays/<stream>/<run>/`, one
 * NDJSON object per delivered chunk, written right after the chunk was acknowledged. The same
 * code then serves local mode (the embedded S3) and a deployed stack, needs no table or
 * process of its own, and is kept, encrypted and removed with the data it describes. Each
 * object is written once under a name of its own, so two runs never overwrite each other's
 * entries (S3 has no append).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { replayLedgerFolder, replayLockKey } from '#shared/contract/storage-layout';
import { listBatches, readBatchRecords } from '../batches/batch-reader.ts';

/** One replayed record. */
export interface LedgerEntry {
  /** The dead-letter record's identity (cli/dlq/dead-letter-reader.ts). */
  readonly id: string;
  /** Where its line was when it was replayed. */
  readonly key: string;
  readonly line: number;
  readonly run: string;
  readonly replayed_at: string;
}

/** The ledger of one stream in one bucket. */
export class ReplayLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly streamId: string,
  ) {}

  /** Every record replayed so far, by identity (the first run that replayed it). */
  async replayed(): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    for (const object of await listBatches(this.s3, this.bucket, replayLedgerFolder(this.streamId))) {
      // The running replay's lock (replay-lock.ts) shares the folder; it records nothing replayed.
      if (object.key === replayLockKey(this.streamId)) continue;
      for (const line of await readBatchRecords(this.s3, this.bucket, object.key)) {
        let entry: LedgerEntry;
        try {
          entry = JSON.parse(line) as LedgerEntry;
        } catch {
          continue;
        }
        if (typeof entry.id === 'string' && !entries.has(entry.id)) entries.set(entry.id, entry);
      }
    }
    return entries;
  }

  /** Records the entries of one acknowledged chunk; resolves once they are stored. */
  async record(run: string, chunk: number, entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const key = `${replayLedgerFolder(this.streamId)}${run}/${String(chunk).padStart(6, '0')}.ndjson`;
    const body = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
    );
  }
}
