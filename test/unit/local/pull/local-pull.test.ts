import { describe, expect, it, vi } from 'vitest';
import type { runPullSlice } from '#functions/pull/run-pull';
import { createLocalPull, PullStoppedError } from '#local/pull/local-pull';
import { defineTenant } from '#shared/config/tenant-config';
import { type PullStateStore, type RunSummary, SourceBusyError, type SourceState } from '#shared/pull/pull-run';

// Stand-ins: the runner (functions/pull/run-pull.ts) and the store are other modules' work;
// these tests check only how local mode drives them.
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: { events: { payload: 'json' } },
  sources: {
    sample: {
      stream: 'events',
      schedule: 'rate(1 minute)',
      request: { url: 'http://127.0.0.1:1/sample-api/v1/events' },
      records: '/data',
      paginate: { type: 'cursor', path: '/next', param: 'after' },
    },
  },
});

function storeWith(state?: Partial<SourceState>): PullStateStore {
  const unused = () => Promise.reject(new Error('not used by local mode itself'));
  return {
    read: async (name) => (state ? { source: name, version: 1, ...state } : undefined),
    list: async () => (state ? [{ source: 'sample', version: 1, ...state }] : []),
    acquireLease: unused,
    saveProgress: unused,
    finishRun: unused,
    releaseLease: unused,
  };
}

function finished(run: string): RunSummary {
  const at = '2025-01-06T09:00:00.000Z';
  return {
    source: 'sample',
    run,
    status: 'succeeded',
    reason: 'last page',
    pages: 5,
    records: 48,
    retries: 0,
    waits: 0,
    durationMs: 10,
    startedAt: at,
    endedAt: at,
  };
}

const delivery = { deliver: async () => undefined };
const secrets = { read: async () => '' };

describe('local pull runs', () => {
  it('runs slices with one run id until the runner says the run is done', async () => {
    const calls: { runId: string; stream: string; source: string }[] = [];
    const runSlice: typeof runPullSlice = async (request) => {
      calls.push({ runId: request.runId, stream: request.stream.id, source: request.source.name });
      return calls.length < 3
        ? { done: false, runId: request.runId }
        : { done: true, summary: finished(request.runId) };
    };
    const pull = createLocalPull({ tenant, store: storeWith(), secrets, delivery, runSlice });
    const summary = await pull.run('sample');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((call) => call.runId)).size).toBe(1);
    expect(calls[0]).toMatchObject({ stream: 'events', source: 'sample' });
    expect(summary.run).toMatch(/^sample-\d{4}-\d{2}-\d{2}T\d{6}Z$/);
  });

  it('resumes the run a killed process left holding the lease, with its id (the lease owner)', async () => {
    const runIds: string[] = [];
    const runSlice: typeof runPullSlice = async (request) => {
      runIds.push(request.runId);
      return { done: true, summary: finished(request.runId) };
    };
    const store = storeWith({
      run: { id: 'sample-killed', startedAt: '', pages: 2, records: 20, retries: 0, waits: 0, seen: [] },
      lease: { owner: 'sample-killed', until: '2025-01-06T09:00:00.000Z' },
    });
    await createLocalPull({ tenant, store, secrets, delivery, runSlice }).run('sample');
    expect(runIds).toEqual(['sample-killed']);
  });

  it('refuses a second run of a source while one runs, though the state already names the first run', async () => {
    let release: () => void = () => undefined;
    const slices: string[] = [];
    const runSlice: typeof runPullSlice = async (request) => {
      slices.push(request.runId);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { done: true, summary: finished(request.runId) };
    };
    // The first run saved progress: a second start would otherwise resume it under the same id.
    const store = storeWith({
      run: { id: 'sample-first', startedAt: '', pages: 1, records: 10, retries: 0, waits: 0, seen: [] },
      lease: { owner: 'sample-first', until: '2025-01-06T09:00:00.000Z' },
    });
    const pull = createLocalPull({ tenant, store, secrets, delivery, runSlice });
    const first = pull.run('sample');
    await expect(pull.run('sample')).rejects.toThrow(
      'source sample is already running (run starting, lease until that run ends); not starting a second run',
    );
    await vi.waitFor(() => expect(slices).toEqual(['sample-first']));
    await expect(pull.run('sample')).rejects.toThrow(SourceBusyError);
    release();
    await first;
    expect(slices).toEqual(['sample-first']);
  });

  it('passes --full-refresh and the page callback to the runner', async () => {
    const pages: number[] = [];
    const runSlice: typeof runPullSlice = async (request, deps) => {
      expect(request.fullRefresh).toBe(true);
      deps.onPage?.({ source: 'sample', run: request.runId, page: 1, records: 10, url: 'http://x/' });
      return { done: true, summary: finished(request.runId) };
    };
    await createLocalPull({ tenant, store: storeWith(), secrets, delivery, runSlice }).run('sample', {
      fullRefresh: true,
      onPage: (page) => pages.push(page.page),
    });
    expect(pages).toEqual([1]);
  });

  it('ends a run between slices once stopped, and the runner saved its progress', async () => {
    let slices = 0;
    const pull = createLocalPull({
      tenant,
      store: storeWith(),
      secrets,
      delivery,
      runSlice: async (request) => {
        slices++;
        pull.stop();
        return { done: false, runId: request.runId };
      },
    });
    await expect(pull.run('sample')).rejects.toThrow(PullStoppedError);
    expect(slices).toBe(1);
  });

  it('names the sources the tenant has when asked for another', async () => {
    const pull = createLocalPull({
      tenant,
      store: storeWith(),
      secrets,
      delivery,
      runSlice: async () => ({ done: false, runId: '' }),
    });
    await expect(pull.run('nope')).rejects.toThrow('source nope does not exist in tenant example (it has sample)');
  });
});
