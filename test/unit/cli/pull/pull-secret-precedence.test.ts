import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { REPO_ROOT } from '#infra/paths';
import { type DevServer, startDevServer } from '#local/dev-server';
import { writeLocalSecret } from '#local/pull/local-secrets';
import { loadTenant } from '#shared/config/tenant-loader';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { captureIo } from '../io-capture.ts';

// A one-page API that records the bearer token each run sent.
const seen: string[] = [];
let api: Server;
let home: Awaited<ReturnType<typeof tempHome>>;
let tenantFile: string;
let server: DevServer | undefined;

beforeAll(async () => {
  api = createServer((request, response) => {
    seen.push(request.headers.authorization ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ data: [{ id: String(seen.length) }] }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/items`;
  home = await tempHome('secretive');
  tenantFile = join(dirname(home.base), 'secretive.ts');
  const defineTenant = pathToFileURL(join(REPO_ROOT, 'shared/config/tenant-config.ts')).href;
  await writeFile(
    tenantFile,
    `import { defineTenant } from '${defineTenant}';
export default defineTenant({
  tenant: 'secretive',
  auth: { issuer: 'self' },
  streams: { items: { payload: 'json' } },
  sources: {
    api: {
      stream: 'items', schedule: 'rate(1 day)', request: { url: '${url}' }, records: '/data',
      paginate: { type: 'none' }, auth: { type: 'bearer', secret: 'api-token' },
    },
  },
});
`,
  );
  await writeLocalSecret(home, 'api-token', 'stored-token');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
  await home.remove();
});

async function pullWith(env: NodeJS.ProcessEnv): Promise<string> {
  const captured = captureIo({ env: { SLUICE_HOME: home.base, SLUICE_SECRET_API_TOKEN: undefined, ...env } });
  const code = await runCli(['pull', 'api', '--tenant', tenantFile], captured.io);
  expect(code, captured.stderr()).toBe(0);
  return seen.at(-1) ?? '';
}

async function startServer(): Promise<void> {
  const tenant = (await loadTenant(tenantFile)).config;
  server = await startDevServer({
    tenant,
    home,
    port: 0,
    createHandler: stubIngestHandler().factory,
    schedules: false,
  });
}

describe("sluice pull's secrets: SLUICE_SECRET_<NAME> wins over the stored secret", () => {
  it('without a dev server', async () => {
    expect(await pullWith({ SLUICE_SECRET_API_TOKEN: 'env-token' })).toBe('Bearer env-token');
    expect(await pullWith({})).toBe('Bearer stored-token');
  });

  it("through a running dev server too, the command's variable winning over the server's stored secret", async () => {
    await startServer();
    expect(await pullWith({ SLUICE_SECRET_API_TOKEN: 'env-token' })).toBe('Bearer env-token');
    expect(await pullWith({})).toBe('Bearer stored-token');
  });
});
