import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { REPO_ROOT } from '#infra/paths';
import { type DevServer, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { loadTenant } from '#shared/config/tenant-loader';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { captureIo } from '../../cli/io-capture.ts';

let home: Awaited<ReturnType<typeof tempHome>>;
let file: string;
let server: DevServer;

beforeAll(async () => {
  home = await tempHome('live');
  file = join(home.base, '..', 'live.ts');
  await writeFile(
    file,
    `import { defineTenant } from '${REPO_ROOT}/shared/config/tenant-config.ts';
export default defineTenant({ tenant: 'live', auth: { issuer: 'self' }, streams: { kept: { payload: 'json' }, dropped: { payload: 'json' } } });
`,
  );
  server = await startDevServer({
    tenant: (await loadTenant(file)).config,
    home,
    port: 0,
    createHandler: stubIngestHandler().factory,
    schedules: false,
  });
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

async function statusStreams(): Promise<string[]> {
  const captured = captureIo({ env: { SLUICE_HOME: home.base } });
  expect(await runCli(['status', '--tenant', file], captured.io), captured.stderr()).toBe(0);
  const lines = captured.stdout().split('\n');
  const header = lines.findIndex((line) => line.startsWith('stream'));
  const rows = lines.slice(header + 1);
  return rows
    .slice(
      0,
      rows.findIndex((line) => line.trim() === ''),
    )
    .map((line) => line.split(/\s+/)[0] ?? '');
}

async function metricStreams(): Promise<Set<string>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return new Set([...text.matchAll(/stream="([^"]+)"/g)].map((match) => match[1] ?? ''));
}

describe('the dev server after a live reload', () => {
  it('shows added streams and forgets removed ones in sluice status and on /metrics', async () => {
    expect(await statusStreams()).toEqual(['kept', 'dropped']);
    expect(await metricStreams()).toEqual(new Set(['kept', 'dropped']));

    await server.reload(
      defineTenant({
        tenant: 'live',
        auth: { issuer: 'self' },
        streams: { kept: { payload: 'json' }, added: { payload: 'json' } },
      }),
    );

    expect(await statusStreams()).toEqual(['kept', 'added']);
    expect(await metricStreams()).toEqual(new Set(['kept', 'added']));
  });

  it('keeps a stream’s last object and its empty buffer on /metrics after a reload flushed it', async () => {
    const token = await server.createToken();
    const posted = await fetch(`${server.url}/stream/v0/data/kept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(posted.status).toBe(202);
    // The reload flushes the open buffer into S3 and closes it.
    await server.reload(
      defineTenant({
        tenant: 'live',
        auth: { issuer: 'self' },
        streams: { kept: { payload: 'json' }, added: { payload: 'json' } },
      }),
    );
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const kept = (name: string) =>
      text.split('\n').find((line) => line.startsWith(name) && line.includes('stream="kept"'));
    expect(kept('sluice_local_last_object_written_timestamp_seconds')).toBeDefined();
    expect(kept('sluice_local_buffered_records')?.endsWith(' 0')).toBe(true);
  });
});
