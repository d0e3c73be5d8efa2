/**
 * One Firehose-style buffer (one stream, one channel) of local mode. A batch goes
 * open → sealed → uploading → landed:
 * - open: records are appended to its journal segment (group commit), and `append()` resolves
 *   once they are fsynced; it is sealed when it holds `limitBytes`, `intervalMs` after its
 *   first record, or when the buffer is drained. Once it holds half of `limitBytes`, the next
 *   batch's segment is created (file and directory entry fsynced) while this one fills, so that
 *   the appends waiting behind a full batch's seal do not also wait for a file to be created.
 * - sealed: its segment is closed and it waits in a queue; records that arrive now open a
 *   new batch.
 * - uploading: the head of the queue; its records are read back from the segment (the only
 *   copy) and handed to `write`. A failed write keeps the batch and its segment and is
 *   retried with backoff for as long as the process runs.
 * - landed: written, the keyed answers journaled with it completed (`completeKeys`), and its
 *   segment removed: a key whose records have landed is never left in progress.
 */

import { DownstreamUnavailableError } from '#shared/contract/errors';
import type { DeliveryChannel, KeyedAnswer } from '#shared/ports/delivery-port';
import { timeOrderedUuid } from './batch-id.ts';
import { type JournalAppend, JournalSegment, readSegment, removeSegment } from './buffer-journal.ts';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 30_000;
/**
 * How old a segment created ahead may be and still take the next batch: a batch's time (its
 * S3 key's) is when its segment was created, so it is at most this much before its first record.
 */
export const SEGMENT_AHEAD_MAX_AGE_MS = 1_000;

/** A sealed batch: its records are only in its journal segment until it has landed. */
export interface SealedBatch {
  /**
   * Epoch ms the batch's journal segment was created: its first record's arrival, or up to
   * SEGMENT_AHEAD_MAX_AGE_MS before it when the segment was created ahead.
   */
  readonly firstArrival: number;
  /** The object's id, from the journal segment's name. */
  readonly batchId: string;
  /** The journal segment to remove once the batch has landed. */
  readonly journal: string;
  /** How many records it holds (for the status; a batch adopted without it counts 0). */
  readonly records?: number;
}

/** What a buffer holds right now and has not landed yet, for `sluice status` and /metrics. */
export interface BufferSnapshot {
  /** Records journaled but not yet in S3 (open and sealed batches). */
  readonly records: number;
  /** Epoch ms of the oldest batch's time (its segment's: up to a second before its first record); undefined when empty. */
  readonly oldestArrival: number | undefined;
}

/** A batch as it is handed to `write`, its records read back from its journal segment. */
export interface BatchToWrite {
  readonly firstArrival: number;
  readonly batchId: string;
  readonly records: readonly Uint8Array[];
}

/** Settings of one buffer. */
export interface DeliveryBufferOptions {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /** Folder of the journal segments. */
  readonly journalDirectory: string;
  /** A batch is sealed once it holds at least this many bytes. */
  readonly limitBytes: number;
  /** A batch is sealed this long after its first record; 0 seals after every append. */
  readonly intervalMs: number;
  /** Lands a batch (on S3 for the emulation); a rejection means "retry later". */
  readonly write: (batch: BatchToWrite) => Promise<void>;
  /**
   * Saves the keyed answers of a landed batch whose keys are still in progress, before its
   * segment (their only other copy) is removed: the handler may not have saved them yet.
   */
  readonly completeKeys?: (answers: readonly KeyedAnswer[]) => Promise<void>;
  readonly warn?: (message: string) => void;
}

/** The batch being filled. */
interface OpenBatch {
  readonly segment: JournalSegment;
  records: number;
  bytes: number;
  timer: NodeJS.Timeout | undefined;
}

interface Waiter extends JournalAppend {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Closes and removes an empty segment; one that stays is removed at the next start. */
async function discardSegment(segment: JournalSegment): Promise<void> {
  await segment
    .close()
    .then(() => removeSegment(segment.path))
    .catch(() => undefined);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A buffer that journals records, seals them into batches by size or age, and lands each batch. */
export class DeliveryBuffer {
  private open: OpenBatch | undefined;
  /** Sealed batches, oldest first; the head is uploading while `uploading` is set. */
  private readonly sealed: SealedBatch[] = [];
  private uploading: Promise<void> | undefined;
  /** Journal appends and seals, one after the other, so a seal never cuts an append in two. */
  private journalWork: Promise<void> = Promise.resolve();
  private waiting: Waiter[] = [];
  private stopping = false;
  /** The next batch's segment, being created (or created) while the open batch fills. */
  private ahead: { readonly createdAt: number; readonly segment: Promise<JournalSegment | undefined> } | undefined;

  constructor(private readonly options: DeliveryBufferOptions) {}

  /**
   * Resolves once the records, and the keyed answer they complete, are journaled (fsynced);
   * rejects with a 503 error when they could not be.
   */
  append(records: readonly Uint8Array[], completes?: KeyedAnswer): Promise<void> {
    return new Promise((resolve, reject) => {
      const writeScheduled = this.waiting.length > 0;
      this.waiting.push({ records, completes, resolve, reject });
      if (!writeScheduled) this.journalWork = this.journalWork.then(() => this.writeWaiting());
    });
  }

  // Group commit: every request waiting at this point shares one write and one fsync.
  private async writeWaiting(): Promise<void> {
    const waiters = this.waiting;
    this.waiting = [];
    let open = this.open;
    try {
      if (!open) {
        open = await this.openBatch();
        this.open = open;
      }
      await open.segment.append(waiters);
    } catch (error) {
      const failure = new DownstreamUnavailableError(`could not journal records: ${(error as Error).message}`);
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    const wasEmpty = open.records === 0;
    for (const waiter of waiters) {
      open.records += waiter.records.length;
      for (const record of waiter.records) open.bytes += record.length;
    }
    for (const waiter of waiters) waiter.resolve();
    if (open.bytes >= this.options.limitBytes || this.options.intervalMs === 0) this.seal();
    else if (wasEmpty) open.timer = setTimeout(() => this.seal(), this.options.intervalMs);
    if (open.bytes >= this.options.limitBytes / 2 && this.ahead === undefined && !this.stopping) {
      this.ahead = this.createAhead();
    }
  }

  private createSegment(openedAt: number): Promise<JournalSegment> {
    return JournalSegment.create(this.options.journalDirectory, {
      streamId: this.options.streamId,
      channel: this.options.channel,
      openedAt,
      batchId: timeOrderedUuid(openedAt),
    });
  }

  // A segment that could not be created ahead is created when the next batch opens, as before.
  private createAhead(): NonNullable<DeliveryBuffer['ahead']> {
    const createdAt = Date.now();
    const segment = this.createSegment(createdAt).catch((error: Error) => {
      this.options.warn?.(
        `could not create the next journal segment of ${this.options.streamId} ahead: ${error.message}`,
      );
      return undefined;
    });
    return { createdAt, segment };
  }

  /** The segment created ahead, if it is still young enough to take a batch; an old one is removed. */
  private async takeAhead(): Promise<JournalSegment | undefined> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead === undefined) return undefined;
    const segment = await ahead.segment;
    if (segment === undefined) return undefined;
    if (Date.now() - ahead.createdAt <= SEGMENT_AHEAD_MAX_AGE_MS) return segment;
    // Removed in the background: the appends waiting for the new batch need only a new segment.
    void discardSegment(segment);
    return undefined;
  }

  private async openBatch(): Promise<OpenBatch> {
    const segment = (await this.takeAhead()) ?? (await this.createSegment(Date.now()));
    return { segment, records: 0, bytes: 0, timer: undefined };
  }

  /** Seals the open batch (after every append before it) and starts its upload. */
  seal(): Promise<void> {
    const done = this.journalWork.then(async () => {
      const open = this.open;
      clearTimeout(open?.timer);
      // A segment whose only append failed holds nothing acknowledged: it stays open for the next.
      if (!open || open.records === 0) return;
      this.open = undefined;
      this.sealed.push({
        firstArrival: open.segment.name.openedAt,
        batchId: open.segment.name.batchId,
        journal: open.segment.path,
        records: open.records,
      });
      await open.segment.close();
      this.startUploads();
    });
    this.journalWork = done;
    return done;
  }

  /** Queues a batch found in the journal at start. */
  adopt(batch: SealedBatch): void {
    this.sealed.push(batch);
    this.startUploads();
  }

  private startUploads(): void {
    // A failure only ends the loop while stopping; drain() then reports what is left.
    this.uploading ??= this.uploadSealed()
      .catch(() => undefined)
      .finally(() => {
        this.uploading = undefined;
        if (this.sealed.length > 0 && !this.stopping) this.startUploads();
      });
  }

  private async uploadSealed(): Promise<void> {
    let retryMs = RETRY_FIRST_MS;
    for (let batch = this.sealed[0]; batch; batch = this.sealed[0]) {
      try {
        const { records, answers } = await readSegment(batch.journal);
        await this.options.write({ firstArrival: batch.firstArrival, batchId: batch.batchId, records });
        this.sealed.shift();
        retryMs = RETRY_FIRST_MS;
        // The batch has landed; a segment that cannot be removed is replayed at the next start
        // and rewrites the same key (its id is in its name), so it is only worth a warning. So is
        // a key that could not be completed: the segment stays, and the next start completes it.
        await this.completeKeys(answers)
          .then(() => removeSegment(batch.journal))
          .catch((error: Error) => this.options.warn?.(`kept journal ${batch.journal}: ${error.message}`));
      } catch (error) {
        this.options.warn?.(
          `could not write a batch of ${this.options.streamId} (${this.options.channel}) to S3, retrying in ${retryMs} ms: ${(error as Error).message}`,
        );
        if (this.stopping) throw error;
        await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  private async completeKeys(answers: readonly KeyedAnswer[]): Promise<void> {
    if (answers.length === 0) return;
    // Without the key table (a CLI landing journals while no server runs) the segment is the
    // answers' only copy: it stays, and the next `sluice dev` rewrites the same object and completes them.
    if (!this.options.completeKeys) throw new Error('its Idempotency-Key answers wait for the next sluice dev');
    await this.options.completeKeys(answers);
  }

  /** Seals and lands everything; throws when a batch could not be written (its journal stays). */
  async drain(): Promise<void> {
    await this.seal();
    this.stopping = true;
    // Empty: nothing to land (a crash that leaves one behind has it removed at the next start).
    // Taken before waiting, so that no batch opened meanwhile takes the segment being removed.
    const ahead = this.ahead;
    this.ahead = undefined;
    const segment = await ahead?.segment;
    if (segment) await discardSegment(segment);
    await this.uploading;
    // One last attempt for what a failing loop left, without waiting between retries.
    if (this.sealed.length > 0) await this.uploadSealed();
  }

  /** What is buffered now: sealed batches waiting for S3 and the open batch. */
  snapshot(): BufferSnapshot {
    let records = this.open?.records ?? 0;
    for (const batch of this.sealed) records += batch.records ?? 0;
    // Sealed batches are older than the open one, and the queue is oldest first.
    const oldestArrival =
      this.sealed[0]?.firstArrival ?? (this.open?.records ? this.open.segment.name.openedAt : undefined);
    return { records, oldestArrival };
  }

  /** Waits until every batch sealed so far has landed (retrying as long as it takes) and the next batch's segment is ready. */
  async settled(): Promise<void> {
    await this.journalWork;
    await this.ahead?.segment;
    while (this.uploading) await this.uploading;
  }
}
