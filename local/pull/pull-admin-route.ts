/**
 * The dev server's pull routes, for `sluice pull` while a dev server runs: the server owns the
 * embedded DynamoDB and the delivery journal, so the CLI asks it to run the source rather than
 * open them a second time. Loopback only, and guarded by a key that the server writes into its
 * 0600 state file for the CLI of the same user; never part of the tenant's API.
 *
 *   GET  /_sluice/pull                         every source's state (JSON)
 *   POST /_sluice/pull/<source>[?full-refresh] the run's progress as NDJSON: {"page":…} lines,
 *                                              then {"summary":…} or {"error":{"kind","message"}}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TenantConfig } from '#shared/config/tenant-config';
import { type RunSummary, SourceBusyError } from '#shared/pull/pull-run';
import { admitAdminRequest, answerJson } from '../admin-route.ts';
import type { LocalPull } from './local-pull.ts';
import { tenantSource, tenantSourceNames, UnknownSourceError } from './tenant-sources.ts';

/** Path prefix of the pull routes. */
export const PULL_ROUTE_PREFIX = '/_sluice/pull';

/** One line of a run's progress stream. */
export type PullStreamLine =
  | { readonly page: { source: string; run: string; page: number; records: number; url: string } }
  | { readonly summary: RunSummary }
  | { readonly error: { readonly kind: 'busy' | 'failed'; readonly message: string } };

/** The path segment decoded, or `undefined` when it is not valid percent-encoding (`%E0%A4%A`). */
function decodedSourceName(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The routes, bound to the server's pull side; `track` learns of each run so that a stopping server waits for it. */
export function createPullRoutes(options: {
  readonly tenant: TenantConfig;
  readonly pull: LocalPull | undefined;
  readonly key: string;
  readonly track: (run: Promise<unknown>) => void;
}): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const admitted = admitAdminRequest(request, response, options.key, {
      notLoopback: 'the pull routes answer only on loopback',
      wrongKey: 'the pull routes need the key in the dev server state file (sluice pull uses it)',
    });
    if (!admitted) return;
    const url = new URL(request.url ?? '/', 'http://local.invalid');
    const name = url.pathname.slice(PULL_ROUTE_PREFIX.length + 1);
    const pull = options.pull;
    if (request.method === 'GET' && url.pathname === PULL_ROUTE_PREFIX) {
      if (!pull) {
        answerJson(response, 200, { sources: [] });
        return;
      }
      options.track(
        pull.status().then(
          (states) => {
            const byName = new Map(states.map((state) => [state.source, state]));
            const sources = tenantSourceNames(options.tenant).map((source) => ({ source, state: byName.get(source) }));
            answerJson(response, 200, { sources });
          },
          (error: unknown) =>
            answerJson(response, 503, { message: `cannot read the pull state: ${(error as Error).message}` }),
        ),
      );
      return;
    }
    if (request.method !== 'POST' || !url.pathname.startsWith(`${PULL_ROUTE_PREFIX}/`) || name.includes('/')) {
      answerJson(response, 404, { message: `try GET ${PULL_ROUTE_PREFIX} or POST ${PULL_ROUTE_PREFIX}/<source>` });
      return;
    }
    const source = decodedSourceName(name);
    if (source === undefined) {
      answerJson(response, 400, { message: 'the source name in the path is not valid percent-encoding' });
      return;
    }
    try {
      tenantSource(options.tenant, source);
    } catch (error) {
      if (!(error instanceof UnknownSourceError)) throw error;
      answerJson(response, 404, { message: error.message });
      return;
    }
    if (!pull) {
      answerJson(response, 503, { message: 'this dev server has no pull side' });
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (line: PullStreamLine) => response.write(`${JSON.stringify(line)}\n`);
    // `sluice pull` stopped (Ctrl-C, SIGTERM) closes its request: its run stops too, saved.
    const caller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) caller.abort();
    });
    options.track(
      pull
        .run(source, {
          fullRefresh: url.searchParams.has('full-refresh'),
          onPage: (page) => write({ page }),
          signal: caller.signal,
        })
        .then(
          (summary) => write({ summary }),
          (error: unknown) =>
            write({
              error: { kind: error instanceof SourceBusyError ? 'busy' : 'failed', message: (error as Error).message },
            }),
        )
        .finally(() => response.end()),
    );
  };
}
