import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, USAGE } from '#cli/main';
import { OPENAPI_USAGE } from '#cli/openapi/openapi-command';
import { writeServerState } from '#local/server-state';
import { sluiceHome } from '#local/sluice-home';
import { ingestPath, validatePath } from '#shared/contract/contract';
import { openApiDocument } from '#shared/openapi/openapi';
import exampleTenant from '#tenants/example';
import { captureIo } from '../io-capture.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-openapi-cli-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const env = () => ({ SLUICE_HOME: join(root, '.sluice') });
const io = () => captureIo({ env: env(), cwd: root });

describe('sluice openapi', () => {
  it("prints the example tenant's document for the local dev URL when no server runs", async () => {
    const captured = io();
    expect(await runCli(['openapi'], captured.io)).toBe(0);
    const document = JSON.parse(captured.stdout());
    expect(document).toEqual(
      JSON.parse(JSON.stringify(openApiDocument(exampleTenant, { serverUrl: 'http://127.0.0.1:4000' }))),
    );
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([ingestPath('orders'), validatePath('orders')]));
    expect(captured.stderr()).toBe('');
  });

  it("names the running dev server's URL as the server", async () => {
    const home = sluiceHome('example', env(), root);
    await mkdir(dirname(home.serverStateFile), { recursive: true });
    await writeServerState(home.serverStateFile, {
      pid: process.pid,
      url: 'http://127.0.0.1:43210',
      issuer: 'http://127.0.0.1:43210',
      tenant: 'example',
      s3Endpoint: 'http://127.0.0.1:4569',
      bucket: 'sluice-example',
    });
    const captured = io();
    expect(await runCli(['openapi'], captured.io)).toBe(0);
    expect(JSON.parse(captured.stdout()).servers).toEqual([
      { url: 'http://127.0.0.1:43210', description: 'tenant example' },
    ]);
  });

  it('writes the document of another tenant for a deployed URL with --tenant, --server and --out', async () => {
    const captured = io();
    const tenant = join(import.meta.dirname, '../fixtures/strict-tenant.ts');
    const code = await runCli(
      [
        'openapi',
        '--tenant',
        tenant,
        '--server',
        'https://abc.execute-api.eu-west-1.amazonaws.com/',
        '--out',
        'api.json',
      ],
      captured.io,
    );
    expect(code).toBe(0);
    expect(captured.stdout()).toBe('');
    expect(captured.stderr()).toBe('wrote the OpenAPI document of tenant strict (9 paths) to api.json\n');
    const document = JSON.parse(await readFile(join(root, 'api.json'), 'utf8'));
    expect(document.info.title).toBe('Sluice: tenant strict');
    expect(document.servers[0].url).toBe('https://abc.execute-api.eu-west-1.amazonaws.com');
    expect(Object.keys(document.paths)).toContain(ingestPath('invoices'));
  });

  it('prints its usage with --help, exit 0', async () => {
    const captured = io();
    expect(await runCli(['openapi', '--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe(OPENAPI_USAGE);
  });

  it.each([
    [['--format', 'yaml'], 'unknown option --format; sluice openapi takes --tenant, --out, --server, --help'],
    [['--server', 'ftp://example.com'], '--server must be an http or https URL, not "ftp://example.com"'],
    [['--server', 'not a url'], '--server must be an http or https URL'],
    [['--out'], "Option '--out <value>' argument missing"],
    [['extra'], 'unexpected argument: extra'],
  ])('refuses %j with its usage, exit 2', async (args, message) => {
    const captured = io();
    expect(await runCli(['openapi', ...args], captured.io)).toBe(2);
    expect(captured.stderr()).toContain(message);
    expect(captured.stderr()).toContain(OPENAPI_USAGE);
    expect(captured.stdout()).toBe('');
  });

  it('fails naming the file for a tenant that does not exist, exit 1', async () => {
    const captured = io();
    expect(await runCli(['openapi', '--tenant', 'nobody'], captured.io)).toBe(1);
    expect(captured.stderr()).toContain('tenant config not found');
  });

  it('is listed in the top-level usage', () => {
    expect(USAGE).toMatch(/^ {2}openapi {15}print the tenant's OpenAPI 3\.1 document/m);
  });
});
