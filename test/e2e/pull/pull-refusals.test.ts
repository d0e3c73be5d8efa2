/**
 * Issue 21: `sluice pull` against a hostile fake API shows each refusal with its reason and exit
 * code, with the real runner, state store and secrets (no dev server, except for the busy case,
 * which needs a run going on in another process's place: the dev server's).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { type PullOpener, pullCommand } from '#cli/pull/pull-command';
import { startDevServer } from '#local/dev-server';
import { embeddedDynamoDbDirectory, startEmbeddedDynamoDb } from '#local/embedded/embedded-dynamodb';
import { openLocalPull } from '#local/pull/pull-wiring';
import { loadTenant } from '#shared/config/tenant-loader';
import { MAX_SAVED_VALUE_BYTES } from '#shared/pull/state-limits';
import { captureIo } from '../../unit/cli/io-capture.ts';
import { landedRecordsIn } from '../support/landed-records.ts';
import { tempHome } from '../support/temp-home.ts';

const TENANT_FILE = 'test/e2e/fixtures/refusing-pull-tenant.ts';
const TOKEN = 'tok-refusals-7d2e';

let api: Server;
let other: Server;
let otherOrigin: string;
const otherRequests: string[] = [];
let openGate: () => void = () => {};
let gateReached: () => void = () => {};
let reached: Promise<void>;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

/** The hostile API's answers by path: status and body. */
const ANSWERS: Record<string, () => readonly [number, string]> = {
  '/elsewhere': () => [200, `{"data":[{"id":1}],"next":"${otherOrigin}/steal"}`],
  '/huge': () => [200, `{"data":[{"id":1,"pad":"${' '.repeat(2_020)}"}]}`],
  '/crowded': () => [200, '{"data":[{"id":1},{"id":2},{"id":3}]}'],
  '/long-cursor': () => [200, `{"data":[{"id":1}],"next":"${'c'.repeat(MAX_SAVED_VALUE_BYTES + 1)}"}`],
  '/locked': () => [401, '{"message":"bad credentials"}'],
};

/** Two pages of one record: the first names the second by a cursor. */
function pagedAnswer(after: string | null): readonly [number, string] {
  return after === null ? [200, '{"data":[{"id":1}],"next":"p2"}'] : [200, '{"data":[{"id":2}],"next":null}'];
}

function route(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  if (path === '/gated') {
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    gateReached();
    void gate.then(() => answer(response, 200, '{"data":[{"id":1}]}'));
    return;
  }
  const query = new URL(request.url ?? '/', 'http://x').searchParams;
  const [status, body] = path === '/paged' ? pagedAnswer(query.get('after')) : (ANSWERS[path]?.() ?? [404, '{}']);
  answer(response, status, body);
}

beforeAll(async () => {
  api = createServer((request, response) => {
    // Read the body (POST sources) before answering.
    request.resume();
    request.on('end', () => route(request, response));
  });
  other = createServer((request, response) => {
    otherRequests.push(request.url ?? '');
    answer(response, 200, '{"data":[]}');
  });
  process.env.SLUICE_TEST_REFUSING_ORIGIN = await listen(api);
  otherOrigin = await listen(other);
});

afterAll(() => {
  api.closeAllConnections();
  api.close();
  other.close();
});

const homes: Awaited<ReturnType<typeof tempHome>>[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await home.remove();
});

async function newHome() {
  const home = await tempHome('refusing');
  homes.push(home);
  return home;
}

async function pull(base: string, ...args: string[]) {
  const captured = captureIo({ env: { SLUICE_HOME: base, SLUICE_SECRET_REFUSING_TOKEN: TOKEN } });
  const code = await runCli(['pull', ...args, '--tenant', TENANT_FILE], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), all: captured.stdout() + captured.stderr() };
}

describe('sluice pull refuses, saying why', () => {
  it.each([
    [['nope'], 'sluice pull: source nope does not exist in tenant refusing (it has elsewhere, huge, crowded'],
    [['huge', '--fast'], 'sluice pull: unknown option --fast; sluice pull takes'],
    [[], 'sluice pull: missing: <source> (or --status)'],
    [['huge', 'crowded'], 'sluice pull: unexpected argument: crowded'],
    [['--status', 'huge'], 'sluice pull: --status takes no source and no --full-refresh'],
    [['--status', '--full-refresh'], 'sluice pull: --status takes no source and no --full-refresh'],
  ])('exits 2 for `sluice pull %s`, with its usage', async (args, message) => {
    const home = await newHome();
    const result = await pull(home.base, ...args);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage:');
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  });

  it('exits 1 for a tenant without sources', async () => {
    const home = await newHome();
    const captured = captureIo({ env: { SLUICE_HOME: home.base } });
    const code = await runCli(['pull', 'sample', '--tenant', 'test/e2e/fixtures/dlq-fixed-tenant.ts'], captured.io);
    expect(captured.stderr()).toMatch(
      /^sluice pull: tenant \S+ has no sources \(add them under sources: in its config; docs\/pull\.md\)\n$/,
    );
    expect(code).toBe(1);
  });

  it.each([
    [
      'elsewhere',
      'origin refused',
      /\(page \d of source elsewhere: origin refused: the API's next-page link leads to http:\/\/127\.0\.0\.1:\d+, which is neither the origin of request\.url nor in request\.allowedOrigins of source elsewhere; .*list http:\/\/127\.0\.0\.1:\d+ in request\.allowedOrigins to allow it\)/,
      1,
    ],
    [
      'huge',
      'body limit',
      /\(page 1 of source huge: body limit: the page at \S+ passed maxPageBytes \(1,024 bytes decoded\)\)/,
      0,
    ],
    [
      'crowded',
      'records limit',
      /\(page 1 of source crowded \(\S+\): records limit: the page holds 3 records, more than maxRecordsPerPage \(2\)\)/,
      0,
    ],
    [
      'long_cursor',
      'state limit',
      /\(page 1 of source long_cursor: state limit: the next-page cursor the API sent is 16,385 bytes, over the 16,384 bytes a saved value may have/,
      0,
    ],
    ['locked', 'credentials refused', /\(the API answered 401: check the credentials of source locked\)/, 0],
  ])(
    'exits 1 when source %s ends the run failed at its %s, naming it, and lands nothing of that page',
    async (source, _, reason, landed) => {
      const home = await newHome();
      const result = await pull(home.base, source);
      expect(result.stdout).toMatch(new RegExp(`^pull ${source} failed: ${landed} pages?, ${landed} records?,`, 'm'));
      expect(result.stdout).toMatch(reason);
      expect(result.all).not.toContain(TOKEN);
      expect(result.code).toBe(1);
      expect(await landedRecordsIn(home.s3, 'events')).toHaveLength(landed);
      // The failed run released its lease: the next pull runs (and meets the same refusal).
      const again = await pull(home.base, source);
      expect(again.stdout).toMatch(reason);
      expect(again.code).toBe(1);
    },
  );

  it('sent nothing to the other origin', () => {
    expect(otherRequests).toEqual([]);
  });

  it("exits 1 while another run holds the source, naming that run's id", async () => {
    const home = await newHome();
    const tenant = (await loadTenant(TENANT_FILE)).config;
    const server = await startDevServer({ tenant, home, port: 0, schedules: false });
    try {
      reached = new Promise<void>((resolve) => {
        gateReached = resolve;
      });
      const first = pull(home.base, 'gated');
      await reached;
      const second = await pull(home.base, 'gated');
      const heldBy =
        /^sluice pull: source gated is already running \(run (\S+), lease until [^)]+\); not starting a second run\n$/.exec(
          second.stderr,
        )?.[1];
      expect(second.code).toBe(1);
      openGate();
      expect((await first).code).toBe(0);
      const status = await pull(home.base, '--status');
      expect(status.stdout).toContain(`gated: last run ${heldBy} ended`);
    } finally {
      openGate();
      await server.close();
    }
  });

  it('ends a run whose state save fails as failed, naming it, and the next sluice pull runs at once', async () => {
    const home = await newHome();
    let failSaves = true;
    // The real local pull side, whose state store refuses every progress save while failSaves.
    const opener: PullOpener = async (options) => {
      const database = await startEmbeddedDynamoDb(embeddedDynamoDbDirectory(options.home));
      const store = database.stateStore();
      const save = store.saveProgress.bind(store);
      store.saveProgress = (...args) =>
        failSaves ? Promise.reject(new Error('ProvisionedThroughputExceededException: slow down')) : save(...args);
      const pull = await openLocalPull({ ...options, database: { ...database, stateStore: () => store } });
      return {
        ...pull,
        async close() {
          await pull.close();
          await database.close();
        },
      };
    };
    const run = async () => {
      const captured = captureIo({ env: { SLUICE_HOME: home.base } });
      const code = await pullCommand(['paged', '--tenant', TENANT_FILE], captured.io, opener);
      return { code, stdout: captured.stdout(), stderr: captured.stderr() };
    };
    const failed = await run();
    expect(failed.stdout).toMatch(
      /^pull paged failed: 0 pages, 0 records, .*\(state not saved: the state store did not save the progress of source paged \(ProvisionedThroughputExceededException: slow down\); the next run continues from the last committed page\)$/m,
    );
    expect(failed.code).toBe(1);
    failSaves = false;
    const next = await run();
    expect(next.stderr).toBe('');
    expect(next.stdout).toMatch(/^pull paged succeeded: 2 pages, 2 records/m);
    expect(next.code).toBe(0);
  });
});
