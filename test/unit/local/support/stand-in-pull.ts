/**
 * A stand-in for the pull runner and its state store (functions/pull/run-pull.ts and the
 * DynamoDB store are other modules' work): it delivers a fixed number of pages of records
 * through the real delivery and keeps the state in memory, so that tests of local mode's
 * wiring (dev server routes, scheduler, CLI) run without them.
 */
import { createLocalPull } from '#local/pull/local-pull';
import type { OpenLocalPull } from '#local/pull/pull-wiring';
import type { TenantConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import { type PullStateStore, type RunStatus, SourceBusyError, type SourceState } from '#shared/pull/pull-run';

/** What the stand-in does on each run. */
export interface StandInBehaviour {
  pages: number;
  recordsPerPage: number;
  status: RunStatus;
  /** Another run holds the lease. */
  busy: boolean;
}

/** The stand-in's settings (changeable between runs) and the pull side built on it. */
export function standInPull(tenant: TenantConfig, delivery: RecordDelivery, behaviour: StandInBehaviour) {
  const states = new Map<string, SourceState>();
  const unused = () => Promise.reject(new Error('the stand-in runner does not use the store'));
  const store: PullStateStore = {
    read: async (source) => states.get(source),
    list: async () => [...states.values()],
    acquireLease: unused,
    saveProgress: unused,
    finishRun: unused,
    releaseLease: unused,
  };
  let closed = false;
  const pull = createLocalPull({
    tenant,
    store,
    secrets: { read: async () => '' },
    delivery,
    runSlice: async (request, deps) => {
      const source = request.source.name;
      if (behaviour.busy) throw new SourceBusyError(source, 'someone-else', '2030-01-01T00:00:00.000Z');
      const startedAt = new Date().toISOString();
      for (let page = 1; page <= behaviour.pages; page++) {
        const records = Array.from({ length: behaviour.recordsPerPage }, (_, index) =>
          Buffer.from(`{"run":"${request.runId}","page":${page},"index":${index}}\n`),
        );
        await deps.delivery.deliver({
          streamId: request.stream.id,
          channel: 'records',
          records,
          deadlineAt: Date.now() + 10_000,
        });
        deps.onPage?.({
          source,
          run: request.runId,
          page,
          records: records.length,
          url: `${request.source.request.url}?page=${page}`,
        });
      }
      const summary = {
        source,
        run: request.runId,
        status: behaviour.status,
        reason: behaviour.status === 'failed' ? 'check the credentials of source sample' : 'last page',
        pages: behaviour.pages,
        records: behaviour.pages * behaviour.recordsPerPage,
        retries: 0,
        waits: 0,
        durationMs: 5,
        startedAt,
        endedAt: new Date().toISOString(),
      };
      states.set(source, {
        source,
        version: (states.get(source)?.version ?? 0) + 1,
        lastRun: summary,
        cursor: '2025-01-06T14:00:00Z',
      });
      return { done: true, summary };
    },
  });
  const opened: OpenLocalPull = {
    ...pull,
    close: async () => {
      closed = true;
    },
  };
  return { pull: opened, states, isClosed: () => closed };
}
