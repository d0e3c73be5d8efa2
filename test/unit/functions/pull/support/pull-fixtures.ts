/** Sources, a stream, a recording delivery, secrets and a clock for the pull runner's tests. */
import * as v from 'valibot';
import { type SourceConfig, type SourceConfigInput, SourceSchema } from '#shared/config/source-config';
import { defineTenant, type StreamConfig } from '#shared/config/tenant-config';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import type { SecretReader } from '#shared/pull/pull-run';

/** A source as the tenant config will give it: parsed, with its name. */
export function source(
  input: Partial<SourceConfigInput> & Pick<SourceConfigInput, 'request'>,
  name = 'src',
): SourceConfig {
  return { ...v.parse(SourceSchema, { stream: 'events', schedule: 'rate(1 minute)', ...input }), name };
}

/** A JSON stream with the config's defaults (a batch stream); `deadLetter` on unless said otherwise. */
export function stream(deadLetter = true): StreamConfig {
  const { streams } = defineTenant({
    tenant: 'fixture',
    auth: { issuer: 'self' },
    streams: { events: { payload: 'json', batch: true, deadLetter } },
  });
  return streams.events as StreamConfig;
}

// Fatal: a landed line that is not valid UTF-8 fails the test instead of being read with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A delivery that keeps every batch; `failOn(n)` makes the n-th records batch throw. */
export class RecordingDelivery implements RecordDelivery {
  readonly batches: DeliveryBatch[] = [];
  private failing: number | undefined;
  private calls = 0;

  failOn(recordsBatch: number): this {
    this.failing = recordsBatch;
    return this;
  }

  async deliver(batch: DeliveryBatch): Promise<void> {
    if (batch.channel === 'records') {
      this.calls += 1;
      if (this.calls === this.failing) throw new Error('Firehose is unavailable');
    }
    this.batches.push(batch);
  }

  /** Landed lines of a channel, as text. */
  lines(channel: DeliveryBatch['channel'] = 'records'): string[] {
    return this.batches
      .filter((batch) => batch.channel === channel)
      .flatMap((batch) => batch.records.map((record) => decoder.decode(record)));
  }

  /** Landed records of the records channel, parsed (ids read as text by the caller when exactness matters). */
  records(): {
    _sluice: { source: string; run: string; page: number; fetched_at: string; record_id: string };
    n: number;
  }[] {
    return this.lines().map((line) => JSON.parse(line));
  }
}

/** Secrets from a map; a missing one fails like a missing secret. */
export function secrets(values: Record<string, string> = {}): SecretReader {
  return {
    async read(name) {
      if (!Object.hasOwn(values, name)) throw new Error(`no secret ${name}`);
      return values[name] as string;
    },
  };
}

/** A clock that waits by moving on, so that backoff and Retry-After cost no wall time. */
export class FakeClock {
  readonly sleeps: number[] = [];
  constructor(public time = Date.parse('2026-03-01T12:00:00Z')) {}
  readonly now = () => new Date(this.time);
  readonly sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  advance(ms: number): void {
    this.time += ms;
  }
}
