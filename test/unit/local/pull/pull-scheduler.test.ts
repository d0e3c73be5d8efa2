import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PullStoppedError } from '#local/pull/local-pull';
import { startPullScheduler } from '#local/pull/pull-scheduler';
import { type RunSummary, SourceBusyError } from '#shared/pull/pull-run';

const START = new Date('2025-01-06T09:00:30.000Z');

function summary(source: string, at: Date): RunSummary {
  return {
    source,
    run: `${source}-run`,
    status: 'succeeded',
    reason: 'last page',
    pages: 3,
    records: 25,
    retries: 1,
    waits: 0,
    durationMs: 1500,
    startedAt: at.toISOString(),
    endedAt: at.toISOString(),
  };
}

let lines: string[];
let starts: { source: string; at: string }[];

beforeEach(() => {
  vi.useFakeTimers({ now: START });
  lines = [];
  starts = [];
});

afterEach(() => {
  vi.useRealTimers();
});

const report = (line: string) => lines.push(line);
const now = () => new Date();

describe('the pull scheduler of sluice dev', () => {
  it('runs a rate(1 minute) source at start and then every minute, printing one line per run', async () => {
    const scheduler = startPullScheduler({
      sources: [{ name: 'sample', schedule: 'rate(1 minute)' }],
      run: async (source) => {
        starts.push({ source, at: new Date().toISOString() });
        return summary(source, new Date());
      },
      report,
      now,
    });
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    await scheduler.stop();
    expect(starts.map((start) => start.at)).toEqual([
      '2025-01-06T09:00:30.000Z',
      '2025-01-06T09:01:30.000Z',
      '2025-01-06T09:02:30.000Z',
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('pull sample succeeded: 3 pages, 25 records, 1 retry, 0 waits, 1.5 s (last page)');
  });

  it('runs a cron source first at its next matching minute, not at start', async () => {
    const scheduler = startPullScheduler({
      sources: [{ name: 'hourly', schedule: 'cron(0 * * * ? *)' }],
      run: async (source) => {
        starts.push({ source, at: new Date().toISOString() });
        return summary(source, new Date());
      },
      report,
      now,
    });
    await vi.advanceTimersByTimeAsync(59 * 60_000 + 29_999);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await scheduler.stop();
    expect(starts).toEqual([{ source: 'hourly', at: '2025-01-06T10:00:00.000Z' }]);
  });

  it('tells when each source runs next, none for a schedule it cannot run, and none once stopped', async () => {
    const scheduler = startPullScheduler({
      sources: [
        { name: 'sample', schedule: 'rate(1 minute)' },
        { name: 'hourly', schedule: 'cron(0 * * * ? *)' },
        { name: 'broken', schedule: 'cron(0 0 L * ? *)' },
      ],
      run: async (source) => summary(source, new Date()),
      report,
      now,
    });
    expect(scheduler.nextRun('sample')?.toISOString()).toBe('2025-01-06T09:01:30.000Z');
    expect(scheduler.nextRun('hourly')?.toISOString()).toBe('2025-01-06T10:00:00.000Z');
    expect(scheduler.nextRun('broken')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(scheduler.nextRun('sample')?.toISOString()).toBe('2025-01-06T09:02:30.000Z');
    await scheduler.stop();
    expect(scheduler.nextRun('sample')).toBeUndefined();
  });

  it('never starts a source while its previous run goes on, and says it skipped', async () => {
    let finish: () => void = () => undefined;
    const scheduler = startPullScheduler({
      sources: [{ name: 'slow', schedule: 'rate(1 minute)' }],
      run: (source) => {
        starts.push({ source, at: new Date().toISOString() });
        return new Promise((resolve) => {
          finish = () => resolve(summary(source, new Date()));
        });
      },
      report,
      now,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toHaveLength(1);
    expect(lines).toEqual(['pull slow skipped: its previous run is still going']);
    finish();
    await vi.advanceTimersByTimeAsync(60_000);
    finish();
    await scheduler.stop();
    expect(starts.map((start) => start.at)).toEqual(['2025-01-06T09:00:30.000Z', '2025-01-06T09:02:30.000Z']);
  });

  it('prints a run the lease refused as skipped: busy, and a failing run as failed', async () => {
    const scheduler = startPullScheduler({
      sources: [
        { name: 'busy', schedule: 'rate(5 minutes)' },
        { name: 'broken', schedule: 'rate(5 minutes)' },
      ],
      run: async (source) => {
        if (source === 'busy') throw new SourceBusyError('busy', 'busy-other-run', '2025-01-06T09:10:00.000Z');
        throw new Error('check the credentials of source broken');
      },
      report,
      now,
    });
    await vi.advanceTimersByTimeAsync(0);
    await scheduler.stop();
    expect(lines).toEqual([
      'pull busy skipped: busy: source busy is already running (run busy-other-run, lease until 2025-01-06T09:10:00.000Z); not starting a second run',
      'pull broken failed: check the credentials of source broken',
    ]);
  });

  it('reports a schedule it cannot run and still runs the other sources', async () => {
    const scheduler = startPullScheduler({
      sources: [
        { name: 'odd', schedule: 'cron(0 12 L * ? *)' },
        { name: 'sample', schedule: 'rate(1 minute)' },
      ],
      run: async (source) => summary(source, new Date()),
      report,
      now,
    });
    await vi.advanceTimersByTimeAsync(0);
    await scheduler.stop();
    expect(lines[0]).toMatch(/^pull odd not scheduled: cron\(0 12 L \* \? \*\): day-of-month/);
    expect(lines[1]).toMatch(/^pull sample succeeded/);
  });

  it('says a run was stopped when local mode stops it between slices', async () => {
    const scheduler = startPullScheduler({
      sources: [{ name: 'sample', schedule: 'rate(1 minute)' }],
      run: async () => {
        throw new PullStoppedError('local mode stopped; run sample-1 of sample resumes at the next run');
      },
      report,
      now,
    });
    await scheduler.stop();
    expect(lines).toEqual(['pull sample stopped: local mode stopped; run sample-1 of sample resumes at the next run']);
  });

  it('starts no run after stop, and stop waits for the run in flight', async () => {
    let finished = false;
    const scheduler = startPullScheduler({
      sources: [{ name: 'sample', schedule: 'rate(1 minute)' }],
      run: async (source) => {
        starts.push({ source, at: new Date().toISOString() });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        finished = true;
        return summary(source, new Date());
      },
      report,
      now,
    });
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await stopped;
    expect(finished).toBe(true);
    expect(starts).toHaveLength(1);
  });
});
