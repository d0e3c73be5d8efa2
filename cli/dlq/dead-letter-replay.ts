/**
 * The replay of dead-letter records (`sluice dlq replay`): each record of the selection is
 * checked again against the stream's current config with the ingest route's own reading
 * (functions/ingest/record-recheck.ts); those that pass are delivered through the same
 * RecordDelivery a post uses, in chunks of one Firehose call at most, and each chunk is written
 * to the replay ledger right after it was acknowledged. So a record is delivered again only if a
 * run stopped between a chunk's acknowledgement and its ledger entry: the records "in flight"
 * are those of at most one chunk. Records that still fail are left where they are.
 */

import { chunkRecords } from '#functions/delivery/record-chunks';
import { recheckRecord } from '#functions/ingest/record-recheck';
import type { StreamConfig } from '#shared/config/tenant-config';
import { FIREHOSE_BATCH_LIMITS } from '#shared/contract/contract';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { DeadLetterEntry } from './dead-letter-reader.ts';
import { reasonLabel } from './dead-letter-reason.ts';
import type { LedgerEntry } from './replay-ledger.ts';

/** Time one chunk's delivery may take, retries included: no gateway waits, so it is longer than a post's. */
const REPLAY_CHUNK_DEADLINE_MS = 60_000;

/** Where a run records what it replayed. */
export interface LedgerWriter {
  record(run: string, chunk: number, entries: readonly LedgerEntry[]): Promise<void>;
}

/** What one run needs. */
export interface ReplayRequest {
  readonly stream: StreamConfig;
  /** The selected dead letters, oldest first. */
  readonly entries: readonly DeadLetterEntry[];
  /** What earlier runs replayed, by identity. */
  readonly replayed: ReadonlyMap<string, LedgerEntry>;
  readonly run: string;
  /** Undefined for a dry run: nothing is delivered and nothing recorded. */
  readonly delivery: RecordDelivery | undefined;
  readonly ledger: LedgerWriter;
  /** One line of progress (stderr). */
  readonly progress: (line: string) => void;
  /** Per-chunk limits; the default is one Firehose call. */
  readonly chunkLimits?: { readonly records: number; readonly bytes: number };
  readonly now?: () => Date;
}

/** Why a record was skipped without being checked. */
export type SkipReason = 'already replayed' | 'duplicate' | 'truncated' | 'pulled' | 'unreadable';

/** What a run did. */
export interface ReplaySummary {
  readonly run: string;
  readonly dryRun: boolean;
  readonly selected: number;
  /** Delivered and recorded (for a dry run: would be). */
  readonly replayed: number;
  readonly stillRejected: number;
  /** Reasons of the records that still fail, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly records: number }[];
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
}

interface Passing {
  readonly entry: DeadLetterEntry;
  readonly framed: Uint8Array;
  readonly projected?: Uint8Array;
  readonly byteLength: number;
}

function skipReason(entry: DeadLetterEntry, replayed: ReadonlyMap<string, LedgerEntry>, seen: Set<string>) {
  if (entry.origin === 'unreadable' || entry.record === undefined) return 'unreadable';
  // A pull source's record is landed by running the source again, which keeps its record id.
  if (entry.origin === 'pull') return 'pulled';
  // A cut record is not the record that was posted; replaying it would land something else.
  if (entry.truncated) return 'truncated';
  if (replayed.has(entry.id)) return 'already replayed';
  if (seen.has(entry.id)) return 'duplicate';
  return undefined;
}

/** Runs one replay; throws (after recording every chunk acknowledged so far) when a delivery fails. */
export async function replayDeadLetters(request: ReplayRequest): Promise<ReplaySummary> {
  const now = request.now ?? (() => new Date());
  const skipped: Partial<Record<SkipReason, number>> = {};
  const reasons = new Map<string, number>();
  const seen = new Set<string>();
  const passing: Passing[] = [];
  let stillRejected = 0;
  for (const entry of request.entries) {
    const skip = skipReason(entry, request.replayed, seen);
    if (skip) {
      skipped[skip] = (skipped[skip] ?? 0) + 1;
      continue;
    }
    seen.add(entry.id);
    const outcome = recheckRecord(request.stream, entry.record ?? '');
    if (outcome.passed) {
      for (const record of outcome.records) {
        passing.push({
          entry,
          ...record,
          byteLength: Math.max(record.framed.byteLength, record.projected?.byteLength ?? 0),
        });
      }
    } else {
      stillRejected += 1;
      const label = reasonLabel(outcome.slug, outcome.errors[0]);
      reasons.set(label, (reasons.get(label) ?? 0) + 1);
    }
  }
  const checked = passing.length + stillRejected;
  request.progress(
    `run ${request.run}: ${checked} record(s) checked, ${passing.length} pass, ${stillRejected} still rejected`,
  );
  const chunks = chunkRecords(passing, request.chunkLimits ?? FIREHOSE_BATCH_LIMITS);
  let replayed = 0;
  if (request.delivery) {
    for (const [index, chunk] of chunks.entries()) {
      const deadlineAt = Date.now() + REPLAY_CHUNK_DEADLINE_MS;
      const streamId = request.stream.id;
      await request.delivery.deliver({
        streamId,
        channel: 'records',
        records: chunk.map((record) => record.framed),
        deadlineAt,
      });
      const projected = chunk.flatMap((record) => (record.projected ? [record.projected] : []));
      if (projected.length > 0) {
        await request.delivery.deliver({ streamId, channel: 'json-projection', records: projected, deadlineAt });
      }
      const replayedAt = now().toISOString();
      await request.ledger.record(
        request.run,
        index + 1,
        chunk.map(({ entry }) => ({
          id: entry.id,
          key: entry.key,
          line: entry.line,
          run: request.run,
          replayed_at: replayedAt,
        })),
      );
      replayed += chunk.length;
      request.progress(
        `run ${request.run}: ${replayed}/${passing.length} replayed (chunk ${index + 1}/${chunks.length})`,
      );
    }
  }
  return {
    run: request.run,
    dryRun: request.delivery === undefined,
    selected: request.entries.length,
    replayed: request.delivery ? replayed : passing.length,
    stillRejected,
    reasons: [...reasons.entries()]
      .map(([reason, records]) => ({ reason, records }))
      .sort((a, b) => b.records - a.records || (a.reason < b.reason ? -1 : 1)),
    skipped,
  };
}
