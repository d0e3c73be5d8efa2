import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { pullCommand, statusLine } from '#cli/pull/pull-command';
import { type DevServer, startDevServer } from '#local/dev-server';
import { readServerState } from '#local/server-state';
import type { TenantConfig } from '#shared/config/tenant-config';
import { loadTenant } from '#shared/config/tenant-loader';
import { landedRecordsIn } from '../../../e2e/support/landed-records.ts';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { type StandInBehaviour, standInPull } from '../../local/support/stand-in-pull.ts';
import { captureIo } from '../io-capture.ts';

// The runner and its store are stand-ins (test/unit/local/support/stand-in-pull.ts): these
// tests check the command, the dev server's pull routes and the delivery, not the runner.
const TENANT_FILE = 'test/unit/cli/fixtures/pull-tenant.ts';

let behaviour: StandInBehaviour;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { server: boolean }) {
  behaviour = { pages: 2, recordsPerPage: 3, status: 'succeeded', busy: false };
  const tenant: TenantConfig = (await loadTenant(TENANT_FILE)).config;
  const home = await tempHome(tenant.tenant);
  cleanups.push(() => home.remove());
  let server: DevServer | undefined;
  let standIn: ReturnType<typeof standInPull> | undefined;
  if (options.server) {
    server = await startDevServer({
      tenant,
      home,
      port: 0,
      createHandler: stubIngestHandler().factory,
      schedules: false,
      openPull: async ({ delivery }) => {
        standIn = standInPull(tenant, delivery, behaviour);
        return standIn.pull;
      },
    });
    const started = server;
    cleanups.push(() => started.close());
  }
  const pull = (args: string[]) => {
    const captured = captureIo({ env: { SLUICE_HOME: home.base } });
    const here = async (opener: Parameters<typeof pullCommand>[2]) => ({
      code: await pullCommand([...args, '--tenant', TENANT_FILE], captured.io, opener),
      ...captured,
    });
    return {
      viaCli: async () => ({
        code: await runCli(['pull', ...args, '--tenant', TENANT_FILE], captured.io),
        ...captured,
      }),
      here,
    };
  };
  return { tenant, home, server, pull, standIn: () => standIn };
}

describe('sluice pull', () => {
  it('runs the source through the running dev server, a line per page, and its records land through its journal', async () => {
    const { home, server, pull } = await setup({ server: true });
    const result = await pull(['sample']).viaCli();
    expect(result.stderr()).toBe('');
    expect(result.stdout()).toMatch(
      /^pull sample page 1: 3 records from http:\/\/\S+\?page=1\npull sample page 2: 3 records from \S+\npull sample succeeded: 2 pages, 6 records, 0 retries, 0 waits, 0\.0 s \(last page\)\n$/,
    );
    expect(result.code).toBe(0);
    await server?.close();
    const landed = await landedRecordsIn(home.s3, 'events');
    expect(landed).toHaveLength(6);
  });

  it('exits 0 for a partial run and 1 for a failed one', async () => {
    const { pull } = await setup({ server: true });
    behaviour.status = 'partial';
    expect((await pull(['sample']).viaCli()).code).toBe(0);
    behaviour.status = 'failed';
    const failed = await pull(['sample']).viaCli();
    expect(failed.stdout()).toContain('pull sample failed: 2 pages, 6 records');
    expect(failed.code).toBe(1);
  });

  it('exits 1 and says so when another run holds the source', async () => {
    const { pull } = await setup({ server: true });
    behaviour.busy = true;
    const result = await pull(['sample']).viaCli();
    expect(result.stderr()).toContain('source sample is already running (run someone-else');
    expect(result.code).toBe(1);
  });

  it('--status lists every source with its state and last run', async () => {
    const { pull } = await setup({ server: true });
    await pull(['sample']).viaCli();
    const result = await pull(['--status']).viaCli();
    expect(result.stdout()).toMatch(
      /^sample: last run sample-\S+ ended \S+; pull sample succeeded: 2 pages, 6 records.*; cursor 2025-01-06T14:00:00Z\nslow: never run\n$/,
    );
    expect(result.code).toBe(0);
  });

  it('exits 2 for a source the tenant does not have, for no source, and for --status with a source', async () => {
    const { pull } = await setup({ server: false });
    const unknown = await pull(['nope']).viaCli();
    expect(unknown.stderr()).toContain('source nope does not exist in tenant puller (it has sample, slow)');
    expect(unknown.code).toBe(2);
    expect((await pull([]).viaCli()).code).toBe(2);
    expect((await pull(['--status', 'sample']).viaCli()).code).toBe(2);
    expect((await pull(['sample', 'extra']).viaCli()).code).toBe(2);
  });

  it('refuses the pull routes without the key of the server state file', async () => {
    const { home, server } = await setup({ server: true });
    const state = await readServerState(home.serverStateFile);
    expect(state?.pullKey).toMatch(/^[\w-]{43}$/);
    const url = `${server?.url}/_sluice/pull/sample`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const unknown = await fetch(`${server?.url}/_sluice/pull/nope`, {
      method: 'POST',
      headers: { authorization: `Bearer ${state?.pullKey}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('answers 400 to a source name that is not valid percent-encoding, and keeps serving', async () => {
    const { home, server } = await setup({ server: true });
    const state = await readServerState(home.serverStateFile);
    const broken = await fetch(`${server?.url}/_sluice/pull/%E0%A4%A`, {
      method: 'POST',
      headers: { authorization: `Bearer ${state?.pullKey}` },
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ message: expect.stringContaining('percent-encoding') });
    expect((await fetch(`${server?.url}/health`)).status).toBe(200);
  });

  it('answers 400 to a run request whose body is not JSON, maps no SLUICE_SECRET_* names, or is 1 byte over 1 MiB', async () => {
    const { home, server } = await setup({ server: true });
    const state = await readServerState(home.serverStateFile);
    const post = (body: string) =>
      fetch(`${server?.url}/_sluice/pull/sample`, {
        method: 'POST',
        headers: { authorization: `Bearer ${state?.pullKey}`, 'content-type': 'application/json' },
        body,
      });
    for (const body of ['{', '{"secretEnv":{"PATH":"x"}}', '{"secretEnv":{"SLUICE_SECRET_A":1}}', 'null']) {
      const answer = await post(body);
      expect(answer.status, body).toBe(400);
      expect(JSON.stringify(await answer.json())).not.toContain('"x"');
    }
    const padding = (bytes: number) => `{"secretEnv":{},"pad":"${'x'.repeat(bytes - 25)}"}`;
    expect(padding(1024 * 1024)).toHaveLength(1024 * 1024);
    expect((await post(padding(1024 * 1024 + 1))).status).toBe(400);
    const atLimit = await post(padding(1024 * 1024));
    expect(atLimit.status).toBe(200);
    await atLimit.text();
  });

  it('without a dev server, opens the local data itself, lands the records and flushes before it exits', async () => {
    const { tenant, home, pull } = await setup({ server: false });
    let standIn: ReturnType<typeof standInPull> | undefined;
    const result = await pull(['sample', '--full-refresh']).here(async ({ delivery }) => {
      standIn = standInPull(tenant, delivery, behaviour);
      return standIn.pull;
    });
    expect(result.stdout()).toContain('pull sample succeeded: 2 pages, 6 records');
    expect(result.code).toBe(0);
    expect(standIn?.isClosed()).toBe(true);
    expect(await landedRecordsIn(home.s3, 'events')).toHaveLength(6);
  });

  it('--status shows a run that a killed process left, with the pages it committed', () => {
    const line = statusLine('slow', {
      source: 'slow',
      version: 7,
      run: { id: 'slow-20250106T090000Z-abcdef', startedAt: '', pages: 5, records: 25, retries: 0, waits: 0, seen: [] },
    });
    expect(line).toBe(
      'slow: no finished run; run slow-20250106T090000Z-abcdef in progress or interrupted after 5 pages, 25 records',
    );
  });
});
