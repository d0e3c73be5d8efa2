/**
 * Gauges that only local mode has, beside the shared vocabulary on /metrics: what the
 * Firehose emulation holds and when it last wrote, and when each source runs next. On AWS
 * Firehose's own metrics (DataFreshness, DeliveryToS3.Success) and the schedules say this.
 * They are read when scraped (prom-client's `collect`), so nothing has to keep them current.
 */
import { Gauge, type Registry } from 'prom-client';
import type { BufferStatus } from '../firehose/firehose-emulation.ts';

/** Names of the local-only gauges (`sluice_local_` keeps them apart from the shared vocabulary). */
export const LOCAL_GAUGE_NAMES = {
  bufferedRecords: 'sluice_local_buffered_records',
  oldestBufferedAge: 'sluice_local_oldest_buffered_age_seconds',
  lastObjectWritten: 'sluice_local_last_object_written_timestamp_seconds',
  nextRun: 'sluice_local_source_next_run_timestamp_seconds',
} as const;

/** What the gauges read. */
export interface LocalGaugeSources {
  readonly tenant: string;
  readonly buffers: () => readonly BufferStatus[];
  readonly sources: readonly string[];
  readonly nextRun: (source: string) => Date | undefined;
  readonly now?: () => number;
}

/** Registers the local-only gauges on `registry`. */
export function registerLocalGauges(registry: Registry, sources: LocalGaugeSources): void {
  const now = sources.now ?? Date.now;
  const bufferLabels = ['tenant', 'stream', 'channel'] as const;
  new Gauge({
    name: LOCAL_GAUGE_NAMES.bufferedRecords,
    help: 'Records journaled and acknowledged but not yet written to S3 (local mode).',
    labelNames: bufferLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const buffer of sources.buffers()) {
        this.set({ tenant: sources.tenant, stream: buffer.streamId, channel: buffer.channel }, buffer.records);
      }
    },
  });
  new Gauge({
    name: LOCAL_GAUGE_NAMES.oldestBufferedAge,
    help: 'Age of the oldest batch not yet written to S3 (from its time, up to a second before its first record); 0 when nothing is buffered (local mode).',
    labelNames: bufferLabels,
    registers: [registry],
    collect() {
      this.reset();
      const at = now();
      for (const buffer of sources.buffers()) {
        const age = buffer.oldestArrival === undefined ? 0 : Math.max(0, (at - buffer.oldestArrival) / 1000);
        this.set({ tenant: sources.tenant, stream: buffer.streamId, channel: buffer.channel }, age);
      }
    },
  });
  new Gauge({
    name: LOCAL_GAUGE_NAMES.lastObjectWritten,
    help: 'Unix time of the last object written to S3; absent until one was (local mode).',
    labelNames: bufferLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const buffer of sources.buffers()) {
        if (!buffer.lastObject) continue;
        this.set(
          { tenant: sources.tenant, stream: buffer.streamId, channel: buffer.channel },
          buffer.lastObject.at / 1000,
        );
      }
    },
  });
  new Gauge({
    name: LOCAL_GAUGE_NAMES.nextRun,
    help: "Unix time of a source's next scheduled run; absent when it is not scheduled (local mode).",
    labelNames: ['tenant', 'source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const source of sources.sources) {
        const next = sources.nextRun(source);
        if (next) this.set({ tenant: sources.tenant, source }, next.getTime() / 1000);
      }
    },
  });
}
