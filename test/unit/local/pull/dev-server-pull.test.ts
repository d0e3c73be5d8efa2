import { describe, expect, it, vi } from 'vitest';
import { startDevServer } from '#local/dev-server';
import { loadTenant } from '#shared/config/tenant-loader';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { standInPull } from '../support/stand-in-pull.ts';

describe('the dev server with pull sources', () => {
  it('runs each source on its schedule (a rate at start) and prints one line per run', async () => {
    const tenant = (await loadTenant('test/unit/cli/fixtures/pull-tenant.ts')).config;
    const home = await tempHome(tenant.tenant);
    const lines: string[] = [];
    let standIn: ReturnType<typeof standInPull> | undefined;
    const server = await startDevServer({
      tenant,
      home,
      port: 0,
      createHandler: stubIngestHandler().factory,
      pullLog: (line) => lines.push(line),
      openPull: async ({ delivery }) => {
        standIn = standInPull(tenant, delivery, {
          pages: 1,
          recordsPerPage: 2,
          status: 'succeeded',
          busy: false,
        });
        return standIn.pull;
      },
    });
    try {
      await vi.waitFor(() => expect(lines).toHaveLength(2));
      expect(lines.sort()).toEqual([
        expect.stringMatching(/^pull sample succeeded: 1 page, 2 records/),
        expect.stringMatching(/^pull slow succeeded: 1 page, 2 records/),
      ]);
    } finally {
      await server.close();
      await home.remove();
    }
    expect(standIn?.isClosed()).toBe(true);
  });

  it('refuses to start when a source lands in a stream the tenant does not have, naming both', async () => {
    const tenant = (await loadTenant('test/unit/cli/fixtures/pull-tenant.ts')).config;
    const broken = { ...tenant, streams: {} };
    const home = await tempHome(tenant.tenant);
    try {
      await expect(
        startDevServer({ tenant: broken, home, port: 0, createHandler: stubIngestHandler().factory }),
      ).rejects.toThrow('source sample lands in events, which is not a JSON stream of tenant puller');
    } finally {
      await home.remove();
    }
  });
});
