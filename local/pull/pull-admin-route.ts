/**
 * The dev server's pull routes, for `sluice pull` while a dev server runs: the server owns the
 * embedded DynamoDB and the delivery journal, so the CLI asks it to run the source rather than
 * open them a second time. Loopback only, and guarded by a key that the server writes into its
 * 0600 state file for the CLI of the same user; never part of the tenant's API.
 *
 *   GET  /_sluice/pull                         every source's state (JSON)
 *   POST /_sluice/pull/<source>[?full-refresh] the run's progress as NDJSON: {"page":…} lines,
 *                                              then {"summary":…} or {"error":{"kind","message"}};
 *                                              an optional JSON body {"secretEnv":{…}} carries
 *                                              the caller's SLUICE_SECRET_* for this run only
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TenantConfig } from '#shared/config/tenant-config';
import { type RunSummary, SourceBusyError } from '#shared/pull/pull-run';
import { admitAdminRequest, answerJson } from '../admin-route.ts';
import type { LocalPull } from './local-pull.ts';
import { SECRET_ENV_PREFIX } from './local-secrets.ts';
import { tenantSource, tenantSourceNames, UnknownSourceError } from './tenant-sources.ts';

/** Path prefix of the pull routes. */
export const PULL_ROUTE_PREFIX = '/_sluice/pull';

/** One line of a run's progress stream. */
export type PullStreamLine =
  | { readonly page: { source: string; run: string; page: number; records: number; url: string } }
  | { readonly summary: RunSummary }
  | { readonly error: { readonly kind: 'busy' | 'failed'; readonly message: string } };

/** The largest run request body: a few secrets of Secrets Manager's 65,536 bytes each. */
const MAX_RUN_BODY_BYTES = 1024 * 1024;

/** Reads the caller's `SLUICE_SECRET_*` from a run request's body; `undefined` for an empty body. */
async function callerSecretEnv(request: IncomingMessage): Promise<Record<string, string> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_RUN_BODY_BYTES) throw new RunRequestError(`the run request is over ${MAX_RUN_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RunRequestError('the run request body is not JSON');
  }
  const secretEnv = (body as { secretEnv?: unknown } | null)?.secretEnv;
  const valid =
    typeof secretEnv === 'object' &&
    secretEnv !== null &&
    Object.entries(secretEnv).every(([name, value]) => name.startsWith(SECRET_ENV_PREFIX) && typeof value === 'string');
  if (!valid) throw new RunRequestError(`secretEnv must map ${SECRET_ENV_PREFIX}* names to strings`);
  return secretEnv as Record<string, string>;
}

// A run request the route refuses with a 400; its message never holds a secret value.
class RunRequestError extends Error {}

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
    options.track(
      callerSecretEnv(request).then(
        (secretEnv) => startRun(pull, source, url, response, secretEnv),
        (error: unknown) => {
          // Anything else is a caller that went away mid-body: nothing to answer.
          if (error instanceof RunRequestError) answerJson(response, 400, { message: error.message });
          else response.destroy();
        },
      ),
    );
  };

  function startRun(
    pull: LocalPull,
    source: string,
    url: URL,
    response: ServerResponse,
    secretEnv: Record<string, string> | undefined,
  ): void {
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
          ...(secretEnv ? { secretEnv } : {}),
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
  }
}
