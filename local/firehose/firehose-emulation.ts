/**
 * Delivery that follows Firehose's buffering rules, for local mode: per stream and channel
 * a buffer (delivery-buffer.ts) whose batches become one S3 object each when they are
 * `buffering.seconds` old or hold `buffering.mebibytes`, whichever comes first. This file
 * routes records to their buffer, replays the journals an earlier run left, and names and
 * writes the objects.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { deliveryStreamName } from '#shared/contract/delivery-stream-names';
import { DeadlineExceededError, DownstreamUnavailableError } from '#shared/contract/errors';
import { batchObjectName, channelLayout, renderPrefix } from '#shared/contract/storage-layout';
import type { DeliveryBatch, DeliveryChannel, KeyedAnswer, RecordDelivery } from '#shared/ports/delivery-port';
import { readSegments, removeSegment } from './buffer-journal.ts';
import { type BatchToWrite, type BufferSnapshot, DeliveryBuffer } from './delivery-buffer.ts';
import { withPayloadHash } from './upload-payload-hash.ts';

const gzipAsync = promisify(gzip);
const MEBIBYTE = 1024 * 1024;

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
  /**
   * The Idempotency-Key table's side of the journal (functions/ingest/idempotency/key-completions.ts):
   * keyed answers journaled with their records are saved there at replay and before a landed
   * segment is removed, so a kill -9 never leaves a journaled key in progress.
   */
  readonly keys?: JournaledKeys;
}

/** Keys an earlier run left in progress, as a replay settled them. */
export interface ReplayedKeys {
  /** Their answers were journaled with their records: saved now, so a retry replays them. */
  readonly completed: number;
  /** Nothing of theirs was journaled: freed now, so a retry is processed. */
  readonly released: number;
}

/** Saves keyed answers that were journaled, and frees in-progress keys that were not. */
export interface JournaledKeys {
  complete(answers: readonly KeyedAnswer[]): Promise<number>;
  releaseInProgress(): Promise<number>;
}

/**
 * The S3 key of a batch dated `at` (when its journal segment was created): the prefix and extension the stack
 * gives Firehose, and an object name that starts with the delivery stream's name, as on AWS.
 */
export function batchKey(tenant: string, stream: StreamConfig, channel: DeliveryChannel, at: Date, id: string): string {
  const { prefix, extension } = channelLayout(stream, channel);
  return `${renderPrefix(prefix, at)}${batchObjectName(deliveryStreamName(tenant, stream.id, channel), at, id, extension)}`;
}

/** The last object a buffer wrote to S3. */
export interface LandedObject {
  readonly key: string;
  readonly records: number;
  /** Bytes of the object as stored (after compression). */
  readonly bytes: number;
  /** Epoch ms when the put succeeded. */
  readonly at: number;
}

/** One buffer (stream and channel) as `sluice status` and /metrics show it. */
export interface BufferStatus extends BufferSnapshot {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /** Undefined until this process wrote an object of the buffer. */
  readonly lastObject: LandedObject | undefined;
}

/** The key of a stream's buffer (and its last object) for one channel. */
function bufferKey(streamId: string, channel: DeliveryChannel): string {
  return `${streamId}~${channel}`;
}

/** The stream id and channel a {@link bufferKey} was made of. */
function fromBufferKey(key: string): { streamId: string; channel: DeliveryChannel } {
  const at = key.lastIndexOf('~');
  return { streamId: key.slice(0, at), channel: key.slice(at + 1) as DeliveryChannel };
}

/** The Firehose emulation: a RecordDelivery for the ingest handler. */
export class FirehoseEmulation implements RecordDelivery {
  private readonly buffers = new Map<string, DeliveryBuffer>();
  private readonly lastObjects = new Map<string, LandedObject>();
  /** Buffers a reload took out of service, still draining into S3. */
  private readonly retiring = new Set<Promise<void>>();
  private tenant: TenantConfig;
  /** What {@link replay} did to the keys an earlier run left in progress. */
  replayedKeys: ReplayedKeys = { completed: 0, released: 0 };

  constructor(private readonly options: FirehoseEmulationOptions) {
    this.tenant = options.tenant;
  }

  private buffer(streamId: string, channel: DeliveryChannel, tenant = this.tenant): DeliveryBuffer | undefined {
    const key = bufferKey(streamId, channel);
    let buffer = this.buffers.get(key);
    if (!buffer) {
      // Own keys only: a journal named `constructor~…` must not find Object's constructor.
      const stream = Object.hasOwn(tenant.streams, streamId) ? tenant.streams[streamId] : undefined;
      if (!stream) return undefined;
      const seconds = this.options.flushSeconds ?? stream.buffering.seconds;
      const log = this.options.log;
      buffer = new DeliveryBuffer({
        streamId: stream.id,
        channel,
        journalDirectory: this.options.journalDirectory,
        limitBytes: stream.buffering.mebibytes * MEBIBYTE,
        intervalMs: seconds * 1000,
        write: (batch) => this.put(stream, channel, batch),
        ...(this.options.keys ? { completeKeys: (answers) => this.completeKeys(answers) } : {}),
        ...(log ? { warn: (message: string) => log.warn(message) } : {}),
      });
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  private async put(stream: StreamConfig, channel: DeliveryChannel, batch: BatchToWrite): Promise<void> {
    const key = batchKey(this.tenant.tenant, stream, channel, new Date(batch.firstArrival), batch.batchId);
    const raw = Buffer.concat(batch.records);
    const body = stream.compression === 'gzip' ? await gzipAsync(raw) : raw;
    const command = new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body });
    await this.options.s3.send(await withPayloadHash(command, body));
    this.lastObjects.set(bufferKey(stream.id, channel), {
      key,
      records: batch.records.length,
      bytes: body.length,
      at: Date.now(),
    });
    const count = batch.records.length;
    this.options.log?.info(`${key}: ${count} ${count === 1 ? 'record' : 'records'}, ${body.length} bytes`);
  }

  /** Resolves once the records are journaled (durably buffered), as Firehose acknowledges. */
  deliver(batch: DeliveryBatch): Promise<void> {
    return this.deliverUnder(this.tenant, batch);
  }

  /**
   * A delivery bound to one tenant config: a request that started before a reload delivers
   * under the config it started with, even to a stream the reload removed.
   */
  deliveryFor(tenant: TenantConfig): RecordDelivery {
    return { deliver: (batch) => this.deliverUnder(tenant, batch) };
  }

  /**
   * Switches to a reloaded tenant config: every open buffer is flushed into S3 (none is
   * dropped), and the next records open buffers with the new streams' settings.
   */
  async reconfigure(tenant: TenantConfig): Promise<void> {
    this.tenant = tenant;
    const open = [...this.buffers.values()];
    this.buffers.clear();
    const drained = Promise.allSettled(open.map((buffer) => buffer.drain())).then(() => undefined);
    this.retiring.add(drained);
    await drained;
    this.retiring.delete(drained);
  }

  private async deliverUnder(tenant: TenantConfig, batch: DeliveryBatch): Promise<void> {
    if (Date.now() > batch.deadlineAt) throw new DeadlineExceededError('the delivery deadline passed');
    const buffer = this.buffer(batch.streamId, batch.channel, tenant);
    if (!buffer) throw new DownstreamUnavailableError(`no delivery stream for ${batch.streamId}`);
    if (batch.records.length === 0) return;
    await buffer.append(batch.records, batch.completes);
  }

  private async completeKeys(answers: readonly KeyedAnswer[]): Promise<void> {
    await this.options.keys?.complete(answers);
  }

  /**
   * Delivers the batches journaled by an earlier run (a crash, or a put that never
   * succeeded), after saving the keyed answers journaled with them and freeing the keys
   * left in progress without a journaled answer: call it before serving. Segments of streams
   * the tenant no longer has stay on disk.
   */
  async replay(): Promise<number> {
    let count = 0;
    const segments = await readSegments(this.options.journalDirectory);
    const keys = this.options.keys;
    if (keys) {
      const completed = await keys.complete(segments.flatMap((segment) => segment.answers));
      this.replayedKeys = { completed, released: await keys.releaseInProgress() };
    }
    for (const segment of segments) {
      // An empty segment (one made ahead, or whose only append failed) holds nothing to land.
      if (segment.records.length === 0) {
        await removeSegment(segment.path);
        continue;
      }
      const buffer = this.buffer(segment.streamId, segment.channel);
      if (!buffer) {
        this.options.log?.warn(`kept ${segment.path}: the tenant has no stream ${segment.streamId}`);
        continue;
      }
      buffer.adopt({
        firstArrival: segment.openedAt,
        batchId: segment.batchId,
        journal: segment.path,
        records: segment.records.length,
      });
      count += segment.records.length;
    }
    return count;
  }

  /**
   * Every buffer this process has opened, and every stream of the config it wrote an object
   * for (a reload closes the buffers, not what they did): what each holds and its last object.
   */
  status(): BufferStatus[] {
    const keys = new Set(this.buffers.keys());
    for (const key of this.lastObjects.keys()) {
      if (Object.hasOwn(this.tenant.streams, fromBufferKey(key).streamId)) keys.add(key);
    }
    return [...keys].map((key) => {
      const { streamId, channel } = fromBufferKey(key);
      const held = this.buffers.get(key)?.snapshot() ?? { records: 0, oldestArrival: undefined };
      return { streamId, channel, ...held, lastObject: this.lastObjects.get(key) };
    });
  }

  /** Waits until every batch sealed so far (e.g. replayed ones) is in S3. */
  async settled(): Promise<void> {
    await Promise.all([...this.buffers.values()].map((buffer) => buffer.settled()));
  }

  /** Flushes every buffer now (as on shutdown) and waits until every batch is in S3. */
  async flushAll(): Promise<void> {
    await Promise.all(this.retiring);
    const results = await Promise.allSettled([...this.buffers.values()].map((buffer) => buffer.drain()));
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(`${failed.length} buffer(s) could not be written to S3; their journals stay for the next start`);
    }
  }
}
