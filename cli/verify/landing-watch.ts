/**
 * Waiting for `sluice verify`'s records to land: Firehose writes a batch only when its
 * buffering interval or size is reached, so this polls the bucket until each stream has an
 * object written since the run started, or the time is up.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { recordsPrefix, renderPrefix } from '#shared/contract/storage-layout';
import { streamPrefix } from '../batches/batch-reader.ts';
import type { CheckResult } from './verify-checks.ts';

/** What to wait for and how. */
export interface LandingWatch {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly streams: readonly string[];
  /** Start of the run: only objects written since count. */
  readonly since: Date;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Called once per stream, as soon as its answer is known. */
  readonly onResult: (result: CheckResult) => void;
  /** Called after each round that leaves streams pending. */
  readonly onProgress: (pending: readonly string[], elapsedMs: number) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The key of an object under the stream's prefix written at or after `since`. Keys start
 * with the UTC hour partition, so listing starts one hour before the run's (room for clock
 * skew) instead of paging through the stream's whole history.
 */
async function findLanded(s3: S3Client, bucket: string, streamId: string, since: Date): Promise<string | undefined> {
  // S3 reports LastModified in whole seconds.
  const floor = Math.floor(since.getTime() / 1000) * 1000;
  const startAfter = renderPrefix(recordsPrefix(streamId), new Date(since.getTime() - 3_600_000));
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: streamPrefix(streamId),
        StartAfter: startAfter,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    const landed = page.Contents?.find((item) => item.Key && (item.LastModified?.getTime() ?? 0) >= floor);
    if (landed?.Key) return landed.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return undefined;
}

/** Polls until every stream has landed, listing fails for it, or the timeout passes; reports each stream once. */
export async function watchLanding(watch: LandingWatch): Promise<void> {
  // Monotonic: a clock step while waiting must not cut the wait short or stretch it.
  const started = performance.now();
  let pending = [...watch.streams];
  for (;;) {
    const stillPending: string[] = [];
    for (const streamId of pending) {
      const name = `landed ${streamId}`;
      try {
        const key = await findLanded(watch.s3, watch.bucket, streamId, watch.since);
        if (key) watch.onResult({ name, outcome: 'pass', detail: `s3://${watch.bucket}/${key}` });
        else stillPending.push(streamId);
      } catch (error) {
        watch.onResult({
          name,
          outcome: 'fail',
          detail: `cannot list s3://${watch.bucket}/${streamPrefix(streamId)}: ${(error as Error).message}`,
        });
      }
    }
    pending = stillPending;
    const elapsed = performance.now() - started;
    if (pending.length === 0) return;
    if (elapsed >= watch.timeoutMs) break;
    watch.onProgress(pending, elapsed);
    await sleep(Math.min(watch.pollMs, watch.timeoutMs - elapsed));
  }
  for (const streamId of pending) {
    watch.onResult({
      name: `landed ${streamId}`,
      outcome: 'fail',
      detail: `nothing new under s3://${watch.bucket}/${streamPrefix(streamId)} after ${watch.timeoutMs / 1000} s (raise --timeout if the stream buffers longer)`,
    });
  }
}
