/**
 * Delivery that follows Firehose's buffering rules, for local mode: per stream and channel
 * a buffer that becomes one S3 object when it is `buffering.seconds` old or holds
 * `buffering.mebibytes`, whichever comes first. Records are journaled before `deliver()`
 * resolves; a failed put keeps the batch (and its journal) and retries until it lands.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeliveryBatch, DeliveryChannel, RecordDelivery } from '#shared/delivery';
import { DeadlineExceededError, DownstreamUnavailableError } from '#shared/errors';
import {
  batchObjectName,
  deadLetterExtension,
  deadLetterPrefix,
  fileExtension,
  recordsPrefix,
  renderPrefix,
} from '#shared/storage-layout';
import type { StreamConfig, TenantConfig } from '#shared/tenant-config';
import { timeOrderedUuid } from './batch-id.ts';
import { JournalSegment, readSegmentRecords, readSegments, removeSegment } from './buffer-journal.ts';

const gzipAsync = promisify(gzip);
const MEBIBYTE = 1024 * 1024;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 30_000;

/** Where the emulation reports what it does. */
export interface DeliveryLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Settings of the emulation. */
export interface FirehoseEmulationOptions {
  readonly tenant: TenantConfig;
  readonly s3: S3Client;
  readonly bucket: string;
  /** Folder of the journal segments (`.sluice/buffers/`). */
  readonly journalDirectory: string;
  /** Overrides every stream's `buffering.seconds`. */
  readonly flushSeconds?: number;
  readonly log?: DeliveryLog;
}

/** The Firehose delivery stream name of a Sluice stream (the first part of its object names). */
export function deliveryStreamName(tenant: string, streamId: string, channel: DeliveryChannel): string {
  return `sluice-${tenant}-${streamId}${channel === 'dead-letter' ? '-dlq' : ''}`;
}

/** The S3 key of a batch whose oldest record arrived at `at`. */
export function batchKey(tenant: string, stream: StreamConfig, channel: DeliveryChannel, at: Date, id: string): string {
  const records = channel === 'records';
  const prefix = renderPrefix(records ? recordsPrefix(stream.id) : deadLetterPrefix(stream.id), at);
  const extension = records
    ? fileExtension(stream.payload, stream.compression)
    : deadLetterExtension(stream.compression);
  return `${prefix}${batchObjectName(deliveryStreamName(tenant, stream.id, channel), at, id, extension)}`;
}

/** A batch ready for S3; its records are read back from its journal segment when it is written. */
interface SealedBatch {
  readonly firstArrival: number;
  /** The object's id, from the journal segment's name. */
  readonly batchId: string;
  /** The journal segment to remove once the object is written. */
  readonly journal: string;
}

interface Waiter {
  readonly records: readonly Uint8Array[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class DeliveryBuffer {
  private recordCount = 0;
  private bytes = 0;
  private segment: JournalSegment | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fileWork: Promise<void> = Promise.resolve();
  private waiting: Waiter[] = [];
  private writeScheduled = false;
  private readonly sealed: SealedBatch[] = [];
  private uploading: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly stream: StreamConfig,
    private readonly channel: DeliveryChannel,
    private readonly options: FirehoseEmulationOptions,
    private readonly intervalMs: number,
  ) {}

  private get limitBytes(): number {
    return this.stream.buffering.mebibytes * MEBIBYTE;
  }

  append(records: readonly Uint8Array[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (this.writeScheduled) return;
      this.writeScheduled = true;
      this.fileWork = this.fileWork.then(() => this.writeWaiting());
    });
  }

  // Group commit: every request waiting at this point shares one write and one fsync.
  private async writeWaiting(): Promise<void> {
    const waiters = this.waiting;
    this.waiting = [];
    this.writeScheduled = false;
    const records = waiters.flatMap((waiter) => waiter.records);
    try {
      if (!this.segment) {
        const openedAt = Date.now();
        this.segment = await JournalSegment.create(this.options.journalDirectory, {
          streamId: this.stream.id,
          channel: this.channel,
          openedAt,
          batchId: timeOrderedUuid(openedAt),
        });
      }
      await this.segment.append(records);
    } catch (error) {
      const failure = new DownstreamUnavailableError(`could not journal records: ${(error as Error).message}`);
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    const wasEmpty = this.recordCount === 0;
    this.recordCount += records.length;
    for (const record of records) this.bytes += record.length;
    for (const waiter of waiters) waiter.resolve();
    if (this.bytes >= this.limitBytes || this.intervalMs === 0) this.seal();
    else if (wasEmpty) this.timer = setTimeout(() => this.seal(), this.intervalMs);
  }

  /** Turns the buffer into a sealed batch (after every write before it) and starts its upload. */
  seal(): Promise<void> {
    const done = this.fileWork.then(async () => {
      clearTimeout(this.timer);
      this.timer = undefined;
      const segment = this.segment;
      if (!segment || this.recordCount === 0) return;
      this.sealed.push({
        firstArrival: segment.name.openedAt,
        batchId: segment.name.batchId,
        journal: segment.path,
      });
      this.recordCount = 0;
      this.bytes = 0;
      this.segment = undefined;
      await segment.close();
      this.startUploads();
    });
    this.fileWork = done;
    return done;
  }

  /** Adds a batch found in the journal at start. */
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
        await this.put(batch);
        this.sealed.shift();
        retryMs = RETRY_FIRST_MS;
        // The object is in S3; a segment that cannot be removed is replayed at the next start
        // and rewrites the same key (its id is in its name), so it is only worth a warning.
        await removeSegment(batch.journal).catch((error: Error) =>
          this.options.log?.warn(`could not remove journal ${batch.journal}: ${error.message}`),
        );
      } catch (error) {
        this.options.log?.warn(
          `could not write a batch of ${this.stream.id} (${this.channel}) to S3, retrying in ${retryMs} ms: ${(error as Error).message}`,
        );
        if (this.stopping) throw error;
        await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  private async put(batch: SealedBatch): Promise<void> {
    const at = new Date(batch.firstArrival);
    const key = batchKey(this.options.tenant.tenant, this.stream, this.channel, at, batch.batchId);
    const records = await readSegmentRecords(batch.journal);
    const raw = Buffer.concat(records);
    const body = this.stream.compression === 'gzip' ? await gzipAsync(raw) : raw;
    await this.options.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body }));
    this.options.log?.info(`${key}: ${records.length} records, ${body.length} bytes`);
  }

  /** Seals and writes everything; throws when a batch could not be written (its journal stays). */
  async drain(): Promise<void> {
    await this.seal();
    this.stopping = true;
    await this.uploading;
    // One last attempt for what a failing loop left, without waiting between retries.
    if (this.sealed.length > 0) await this.uploadSealed();
  }

  /** Waits until every sealed batch is written (retrying as long as it takes). */
  async settled(): Promise<void> {
    while (this.uploading) await this.uploading;
  }
}

/** The Firehose emulation: a RecordDelivery for the ingest handler. */
export class FirehoseEmulation implements RecordDelivery {
  private readonly buffers = new Map<string, DeliveryBuffer>();

  constructor(private readonly options: FirehoseEmulationOptions) {}

  private buffer(streamId: string, channel: DeliveryChannel): DeliveryBuffer | undefined {
    const key = `${streamId}~${channel}`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      // Own keys only: a journal named `constructor~…` must not find Object's constructor.
      const stream = Object.hasOwn(this.options.tenant.streams, streamId)
        ? this.options.tenant.streams[streamId]
        : undefined;
      if (!stream) return undefined;
      const seconds = this.options.flushSeconds ?? stream.buffering.seconds;
      buffer = new DeliveryBuffer(stream, channel, this.options, seconds * 1000);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /** Resolves once the records are journaled (durably buffered), as Firehose acknowledges. */
  async deliver(batch: DeliveryBatch): Promise<void> {
    if (Date.now() > batch.deadlineAt) throw new DeadlineExceededError('the delivery deadline passed');
    const buffer = this.buffer(batch.streamId, batch.channel);
    if (!buffer) throw new DownstreamUnavailableError(`no delivery stream for ${batch.streamId}`);
    if (batch.records.length === 0) return;
    await buffer.append(batch.records);
  }

  /**
   * Delivers the batches journaled by an earlier run (a crash, or a put that never
   * succeeded). Segments of streams the tenant no longer has stay on disk.
   */
  async replay(): Promise<number> {
    let count = 0;
    for (const segment of await readSegments(this.options.journalDirectory)) {
      const buffer = this.buffer(segment.streamId, segment.channel);
      if (!buffer) {
        this.options.log?.warn(`kept ${segment.path}: the tenant has no stream ${segment.streamId}`);
        continue;
      }
      if (segment.records.length === 0) {
        await removeSegment(segment.path);
        continue;
      }
      buffer.adopt({
        firstArrival: segment.openedAt,
        batchId: segment.batchId,
        journal: segment.path,
      });
      count += segment.records.length;
    }
    return count;
  }

  /** Waits until every batch sealed so far (e.g. replayed ones) is in S3. */
  async settled(): Promise<void> {
    await Promise.all([...this.buffers.values()].map((buffer) => buffer.settled()));
  }

  /** Flushes every buffer now (as on shutdown) and waits until every batch is in S3. */
  async flushAll(): Promise<void> {
    const results = await Promise.allSettled([...this.buffers.values()].map((buffer) => buffer.drain()));
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(`${failed.length} buffer(s) could not be written to S3; their journals stay for the next start`);
    }
  }
}
