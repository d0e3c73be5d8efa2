/**
 * What `sluice status` shows of a running dev server: per stream the records accepted,
 * rejected and dead-lettered, what is buffered and for how long, and the last object written;
 * per source its last run and its next one. The server builds it from the same counters that
 * /metrics serves, so that the two never disagree; the CLI only prints it.
 */

import type { TenantConfig } from '#shared/config/tenant-config';
import type { DeliveryChannel } from '#shared/ports/delivery-port';
import type { RunStatus, SourceState } from '#shared/pull/pull-run';
import type { BufferStatus } from '../firehose/firehose-emulation.ts';
import { tenantSourceNames } from '../pull/tenant-sources.ts';

/** Counts of one stream since the server started. */
export interface StreamCounts {
  readonly accepted: number;
  readonly rejected: number;
  readonly deadLettered: number;
}

/** The last object a stream's buffer wrote. */
export interface LastObjectStatus {
  readonly key: string;
  readonly records: number;
  readonly bytes: number;
  /** ISO 8601. */
  readonly at: string;
}

/** One stream's row. */
export interface StreamStatus extends StreamCounts {
  readonly stream: string;
  /** Records journaled and not yet in S3 (every channel of the stream). */
  readonly buffered: number;
  /** Age of the oldest buffered record; undefined when nothing is buffered. */
  readonly oldestBufferedSeconds: number | undefined;
  /** Of the stream's records channel; undefined until this server wrote one. */
  readonly lastObject: LastObjectStatus | undefined;
}

/** One source's row. */
export interface SourceStatus {
  readonly source: string;
  /** Undefined when the source never finished a run. */
  readonly lastRun:
    | { readonly run: string; readonly status: RunStatus; readonly records: number; readonly endedAt: string }
    | undefined;
  /** Whether a run holds the source's lease now. */
  readonly running: boolean;
  /** ISO 8601; undefined when the server runs no schedules or the schedule cannot run locally. */
  readonly nextRun: string | undefined;
}

/** The whole answer of the status route. */
export interface DevStatus {
  readonly tenant: string;
  /** The server's clock when it answered (ISO 8601). */
  readonly now: string;
  readonly streams: readonly StreamStatus[];
  readonly sources: readonly SourceStatus[];
}

/** Where the status comes from. */
export interface DevStatusSources {
  readonly tenant: TenantConfig;
  readonly buffers: () => readonly BufferStatus[];
  readonly counts: (stream: string) => Promise<StreamCounts>;
  /** Every source's saved state (the pull side's store); undefined when the server has no pull side. */
  readonly sourceStates?: (() => Promise<readonly SourceState[]>) | undefined;
  readonly nextRun: (source: string) => Date | undefined;
  readonly now?: () => Date;
}

/** The channel whose objects are the stream's records (the status's "last object"). */
const RECORDS_CHANNEL: DeliveryChannel = 'records';

function streamRow(stream: string, counts: StreamCounts, buffers: readonly BufferStatus[], now: number): StreamStatus {
  const own = buffers.filter((buffer) => buffer.streamId === stream);
  const buffered = own.reduce((sum, buffer) => sum + buffer.records, 0);
  const arrivals = own.flatMap((buffer) => (buffer.oldestArrival === undefined ? [] : [buffer.oldestArrival]));
  const last = own.find((buffer) => buffer.channel === RECORDS_CHANNEL)?.lastObject;
  return {
    stream,
    ...counts,
    buffered,
    oldestBufferedSeconds: arrivals.length > 0 ? Math.max(0, (now - Math.min(...arrivals)) / 1000) : undefined,
    lastObject: last && {
      key: last.key,
      records: last.records,
      bytes: last.bytes,
      at: new Date(last.at).toISOString(),
    },
  };
}

function sourceRow(source: string, state: SourceState | undefined, nextRun: Date | undefined, now: Date): SourceStatus {
  const last = state?.lastRun;
  return {
    source,
    lastRun: last && { run: last.run, status: last.status, records: last.records, endedAt: last.endedAt },
    // A finished run releases the lease; one left by a killed run has expired.
    running: state?.lease !== undefined && new Date(state.lease.until) > now,
    nextRun: nextRun?.toISOString(),
  };
}

/** Builds the status now. */
export async function collectDevStatus(sources: DevStatusSources): Promise<DevStatus> {
  const now = (sources.now ?? (() => new Date()))();
  const buffers = sources.buffers();
  const streams = await Promise.all(
    Object.keys(sources.tenant.streams).map(async (stream) =>
      streamRow(stream, await sources.counts(stream), buffers, now.getTime()),
    ),
  );
  const states = new Map((await (sources.sourceStates?.() ?? [])).map((state) => [state.source, state]));
  return {
    tenant: sources.tenant.tenant,
    now: now.toISOString(),
    streams,
    sources: tenantSourceNames(sources.tenant).map((source) =>
      sourceRow(source, states.get(source), sources.nextRun(source), now),
    ),
  };
}
