/**
 * The lock of `sluice dlq replay` on its stream: one object, `dlq-replays/<stream>/replay.lock`,
 * created with `If-None-Match: *` so that of two runs only one starts (a conditional write works
 * in S3 and, through local/embedded/s3rver-conditional-writes.mjs, in the embedded S3). Two runs
 * at once would each deliver what the ledger did not yet show as replayed. The holder rewrites it
 * (`If-Match` its own ETag) every minute; a lock whose holder stopped beating for
 * REPLAY_LOCK_STALE_MS, or whose process on this host is gone, was left by a crashed run and is
 * taken over with the same `If-Match`, so of two runs taking it over only one wins.
 */
import { hostname } from 'node:os';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isProcessAlive } from '#local/process-alive';
import { replayLockKey } from '#shared/contract/storage-layout';
import { CliError } from '../cli-io.ts';

/** A lock not rewritten for this long was left by a run that died: another run may take it over. */
export const REPLAY_LOCK_STALE_MS = 10 * 60_000;
/** How often the holder rewrites the lock: well within the stale time, even with a slow S3. */
const HEARTBEAT_MS = 60_000;

/** What the lock object holds. */
interface LockBody {
  readonly run: string;
  readonly started_at: string;
  readonly heartbeat_at: string;
  readonly host: string;
  readonly pid: number;
}

/** Raised when another replay of the stream holds the lock. */
export class ReplayLockedError extends CliError {
  constructor(streamId: string, holder: LockBody) {
    super(
      `another replay of ${streamId} is running: run ${holder.run}, started ${holder.started_at} ` +
        `(on ${holder.host}, pid ${holder.pid}, last seen ${holder.heartbeat_at}); ` +
        `a lock left by a crashed run is taken over ${REPLAY_LOCK_STALE_MS / 60_000} minutes after it was last seen`,
    );
  }
}

const isPreconditionFailed = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412 ||
  (error as { name?: string }).name === 'PreconditionFailed';

const isMissing = (error: unknown) => (error as { name?: string }).name === 'NoSuchKey';

/** The lock a replay holds while it delivers; release it when done. */
export class ReplayLock {
  private lost: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private body: LockBody,
    private etag: string,
  ) {
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => {
        this.lost ??= error as Error;
      });
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Takes the stream's lock for a run, taking over a stale one; throws ReplayLockedError when it is held. */
  static async acquire(
    s3: S3Client,
    bucket: string,
    streamId: string,
    run: string,
    progress: (line: string) => void,
    now: () => Date = () => new Date(),
  ): Promise<ReplayLock> {
    const key = replayLockKey(streamId);
    const at = now().toISOString();
    const body: LockBody = { run, started_at: at, heartbeat_at: at, host: hostname(), pid: process.pid };
    const put = (condition: { IfNoneMatch: string } | { IfMatch: string }) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ...condition }));
    try {
      const created = await put({ IfNoneMatch: '*' });
      return new ReplayLock(s3, bucket, key, body, created.ETag ?? '');
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    const held = await readLock(s3, bucket, key);
    // Released between the two calls: the next run finds it free.
    if (!held) throw new CliError(`another replay of ${streamId} just finished; run again`);
    if (!isStale(held.body, now())) throw new ReplayLockedError(streamId, held.body);
    try {
      const taken = await put({ IfMatch: held.etag });
      progress(`run ${run}: took over the lock of run ${held.body.run} (started ${held.body.started_at}, gone)`);
      return new ReplayLock(s3, bucket, key, body, taken.ETag ?? '');
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      const winner = await readLock(s3, bucket, key);
      throw winner ? new ReplayLockedError(streamId, winner.body) : error;
    }
  }

  /** Throws if the lock was lost (taken over after this run looked dead); checked before each chunk. */
  assertHeld(): void {
    if (this.lost) throw new CliError(`run ${this.body.run} lost its lock: ${this.lost.message}`);
  }

  /** Rewrites the lock with a new heartbeat, only if it is still this run's. */
  private async beat(): Promise<void> {
    this.body = { ...this.body, heartbeat_at: new Date().toISOString() };
    const written = await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: JSON.stringify(this.body), IfMatch: this.etag }),
    );
    this.etag = written.ETag ?? '';
  }

  /** Stops the heartbeat and removes the lock if it is still this run's. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.lost) return;
    const held = await readLock(this.s3, this.bucket, this.key);
    if (held?.etag === this.etag) await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
  }
}

function isStale(body: LockBody, now: Date): boolean {
  if (body.host === hostname() && body.pid !== process.pid && !isProcessAlive(body.pid)) return true;
  // An unreadable heartbeat counts as old: no run could be waiting on it.
  const seenAt = Date.parse(body.heartbeat_at);
  return Number.isNaN(seenAt) || now.getTime() - seenAt > REPLAY_LOCK_STALE_MS;
}

async function readLock(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: LockBody; etag: string } | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    return { body: JSON.parse(Buffer.from(bytes).toString('utf8') || '{}') as LockBody, etag: object.ETag ?? '' };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
