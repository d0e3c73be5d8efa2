import { describe, expect, it } from 'vitest';
import type { BufferStatus } from '#local/firehose/firehose-emulation';
import { collectDevStatus, type DevStatusSources } from '#local/observability/dev-status';
import { defineTenant } from '#shared/config/tenant-config';
import type { SourceState } from '#shared/pull/pull-run';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const tenant = defineTenant({
  tenant: 'acme',
  auth: { issuer: 'self' },
  streams: { orders: { payload: 'json', deadLetter: true }, events: { payload: 'json' } },
  sources: {
    sample: {
      stream: 'events',
      schedule: 'rate(1 hour)',
      request: { url: 'https://api.example.com/v1/events' },
      records: '/data',
    },
  },
});

function sources(overrides: Partial<DevStatusSources> = {}): DevStatusSources {
  return {
    tenant,
    buffers: () => [],
    counts: async () => ({ accepted: 0, rejected: 0, deadLettered: 0 }),
    nextRun: () => undefined,
    now: () => NOW,
    ...overrides,
  };
}

const at = (iso: string) => Date.parse(iso);

describe('the status of a dev server', () => {
  it("adds up a stream's channels for what is buffered, and takes the oldest arrival of any", async () => {
    const buffers: BufferStatus[] = [
      {
        streamId: 'orders',
        channel: 'records',
        records: 3,
        oldestArrival: at('2026-01-01T11:59:50Z'),
        lastObject: undefined,
      },
      {
        streamId: 'orders',
        channel: 'dead-letter',
        records: 2,
        oldestArrival: at('2026-01-01T11:59:30Z'),
        lastObject: undefined,
      },
      { streamId: 'events', channel: 'records', records: 0, oldestArrival: undefined, lastObject: undefined },
    ];
    const status = await collectDevStatus(sources({ buffers: () => buffers }));
    expect(status.streams).toEqual([
      expect.objectContaining({ stream: 'orders', buffered: 5, oldestBufferedSeconds: 30 }),
      expect.objectContaining({ stream: 'events', buffered: 0, oldestBufferedSeconds: undefined }),
    ]);
  });

  it("shows the last object of the stream's records, not of its dead letters", async () => {
    const object = (key: string, iso: string) => ({ key, records: 1, bytes: 10, at: at(iso) });
    const buffers: BufferStatus[] = [
      {
        streamId: 'orders',
        channel: 'dead-letter',
        records: 0,
        oldestArrival: undefined,
        lastObject: object('dlq/x', '2026-01-01T11:59:59Z'),
      },
      {
        streamId: 'orders',
        channel: 'records',
        records: 0,
        oldestArrival: undefined,
        lastObject: object('streams/y', '2026-01-01T11:58:00Z'),
      },
    ];
    const status = await collectDevStatus(sources({ buffers: () => buffers }));
    expect(status.streams[0]?.lastObject).toEqual({
      key: 'streams/y',
      records: 1,
      bytes: 10,
      at: '2026-01-01T11:58:00.000Z',
    });
  });

  it('counts a source as running while a lease holds it, and not once the lease of a killed run expired', async () => {
    const state = (until: string): SourceState => ({
      source: 'sample',
      version: 3,
      lease: { owner: 'sample-run', until },
      lastRun: {
        source: 'sample',
        run: 'sample-previous',
        status: 'partial',
        reason: 'time budget',
        pages: 2,
        records: 20,
        retries: 0,
        waits: 0,
        durationMs: 10,
        startedAt: '2026-01-01T10:00:00.000Z',
        endedAt: '2026-01-01T10:00:01.000Z',
      },
    });
    const next = new Date('2026-01-01T13:00:00.000Z');
    const holding = await collectDevStatus(
      sources({ sourceStates: async () => [state('2026-01-01T12:00:00.001Z')], nextRun: () => next }),
    );
    expect(holding.sources).toEqual([
      {
        source: 'sample',
        lastRun: { run: 'sample-previous', status: 'partial', records: 20, endedAt: '2026-01-01T10:00:01.000Z' },
        running: true,
        nextRun: '2026-01-01T13:00:00.000Z',
      },
    ]);
    const expired = await collectDevStatus(sources({ sourceStates: async () => [state('2026-01-01T12:00:00.000Z')] }));
    expect(expired.sources[0]?.running).toBe(false);
  });

  it('lists a source that never ran, also when the server has no pull side', async () => {
    const status = await collectDevStatus(sources());
    expect(status.sources).toEqual([{ source: 'sample', lastRun: undefined, running: false, nextRun: undefined }]);
  });
});
