import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { devBanner } from '#cli/dev/dev-command';
import { runCli } from '#cli/main';
import { defineTenant } from '#shared/config/tenant-config';
import { captureIo } from '../unit/cli/io-capture.ts';
import { REPO_ROOT, SLUICE_BIN, startDevProcess } from './support/dev-process.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

const run = promisify(execFile);
const servers: TestServer[] = [];

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.remove()));
});

const curlInstalled = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((path) => existsSync(path));

describe('the sluice command', () => {
  it('token create prints only a JWT, which the running server accepts on its streams', async () => {
    const local = await server();
    const { stdout } = await run(
      process.execPath,
      [SLUICE_BIN, 'token', 'create', '--streams', 'events', '--days', '2'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SLUICE_HOME: local.home.base },
      },
    );
    const token = stdout.trim();
    expect(stdout).toBe(`${token}\n`);
    expect(decodeJwt(token)).toMatchObject({
      iss: local.server.url,
      aud: 'sluice-example',
      scope: 'sluice/write:events',
    });
    expect((await post(local.server, 'events', '{"a":1}', { token })).status).toBe(202);
    expect((await post(local.server, 'orders', '{"a":1}', { token })).status).toBe(403);
  });

  it('send retries after a 429 and prints how many records were accepted', async () => {
    const local = await server({
      tenant: defineTenant({
        tenant: 'example',
        auth: { issuer: 'self' },
        // Batch posts, as the example tenant's events stream (whose settings the command reads).
        streams: { events: { payload: 'json', batch: true, throttle: { rate: 1, burst: 1 } } },
      }),
    });
    // Spend the stream's burst, so that the command's first attempt is throttled.
    expect((await post(local.server, 'events', '{}', { token: local.token })).status).toBe(202);
    const file = join(local.home.root, 'event.json');
    await writeFile(file, '{"id":"after-429"}');
    const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
    const code = await runCli(['send', 'events', file], captured.io);
    expect(captured.stderr()).toMatch(/^429: retrying in/m);
    expect(captured.stdout()).toMatch(
      /^events: 1 accepted, 0 rejected, 0 not delivered \(\d+ requests, [1-9]\d* retries\)\n$/,
    );
    expect(code).toBe(0);
  });

  it('send posts a .ndjson or .jsonl file, or several lines of JSON from stdin, as NDJSON', async () => {
    const local = await server();
    for (const name of ['clicks.ndjson', 'clicks.jsonl', '-']) {
      const file = join(local.home.root, name);
      if (name !== '-') await writeFile(file, '{"a":1}\n{"a":2}\n');
      const captured = captureIo({ env: { SLUICE_HOME: local.home.base }, stdin: '{"a":1}\n{"a":2}\n' });
      expect(await runCli(['send', 'events', name === '-' ? '-' : file], captured.io)).toBe(0);
      expect(captured.stdout()).toMatch(
        /^events: 2 accepted, 0 rejected, 0 not delivered \(1 requests, 0 retries\)\n$/,
      );
    }
  });

  it('batches ls and cat read the landed batches, decoding CBOR, also after the server stopped', async () => {
    const local = await server();
    for (const name of ['Ada', 'Grace']) {
      const captured = captureIo({
        env: { SLUICE_HOME: local.home.base },
        stdin: `<profile><name>${name}</name></profile>`,
      });
      expect(await runCli(['send', 'profiles', '-'], captured.io)).toBe(0);
    }
    await local.stop();
    const cat = captureIo({ env: { SLUICE_HOME: local.home.base } });
    expect(await runCli(['batches', 'cat', 'profiles'], cat.io)).toBe(0);
    expect(cat.stdout()).toBe('{"profile":{"name":"Ada"}}\n{"profile":{"name":"Grace"}}\n');
    const ls = captureIo({ env: { SLUICE_HOME: local.home.base } });
    expect(await runCli(['batches', 'ls', 'profiles'], ls.io)).toBe(0);
    expect(ls.stdout()).toMatch(/^streams\/profiles\/year=\d{4}\/.*\.cbor\t2\t\d+\n$/);
  });

  it('answers a wrong argument with the usage and exit code 2, and a missing server with exit code 1', async () => {
    const wrong = captureIo();
    expect(await runCli(['batches', 'cat'], wrong.io)).toBe(2);
    expect(wrong.stderr()).toContain('missing: <stream>');
    expect(wrong.stderr()).toContain('Usage: sluice batches');
    const unknownOption = captureIo();
    expect(await runCli(['send', 'events', '--bogus'], unknownOption.io)).toBe(2);
    const noServer = captureIo({ stdin: '{}' });
    expect(
      await runCli(
        ['send', 'events', '-', '--url', 'http://127.0.0.1:9', '--token', 'x', '--retries', '0'],
        noServer.io,
      ),
    ).toBe(1);
    expect(noServer.stderr()).toContain('no Sluice server answers at http://127.0.0.1:9');
  });

  it('batches cat of a stream the tenant does not have exits 2 and says it does not exist', async () => {
    const local = await server();
    for (const stream of ['nope', 'constructor']) {
      const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
      expect(await runCli(['batches', 'cat', stream], captured.io)).toBe(2);
      expect(captured.stderr()).toContain(`stream ${stream} does not exist in tenant example`);
      expect(captured.stdout()).toBe('');
    }
  });

  it('says "dead-letter" when a stream has no dead-letter batches, and lists them once it has', async () => {
    const local = await server({ flushSeconds: 0 });
    const empty = captureIo({ env: { SLUICE_HOME: local.home.base } });
    expect(await runCli(['batches', 'ls', 'orders', '--dead-letter'], empty.io)).toBe(0);
    expect(empty.stderr()).toBe('no dead-letter batches of orders yet\n');
    expect((await post(local.server, 'orders', '{"order_id":""}', { token: local.token })).status).toBe(400);
    await local.stop();
    const listed = captureIo({ env: { SLUICE_HOME: local.home.base } });
    expect(await runCli(['batches', 'ls', 'orders', '--dead-letter'], listed.io)).toBe(0);
    expect(listed.stdout()).toMatch(/^dlq\/orders\/year=\d{4}\/.*\.dlq-1-.*\.ndjson\t1\t\d+\n$/);
  });

  it("dev --tenant prints a working curl line and keeps that tenant's keys, bucket and journals apart", async () => {
    const root = await mkdtemp(join(tmpdir(), 'sluice-tenant-'));
    try {
      // A tenant outside the repository: it imports defineTenant by file URL (#shared/* resolves only inside).
      const tenantFile = join(root, 'acme.mjs');
      const defineTenantUrl = pathToFileURL(join(REPO_ROOT, 'shared/config/tenant-config.ts')).href;
      await writeFile(
        tenantFile,
        `import { defineTenant } from '${defineTenantUrl}';\n` +
          "export default defineTenant({ tenant: 'acme', auth: { issuer: 'self' }, streams: { clicks: { payload: 'json' } } });\n",
      );
      const base = join(root, '.sluice');
      const env = { SLUICE_HOME: base };
      const dev = await startDevProcess(base, ['--tenant', tenantFile, '--flush-seconds', '0']);
      try {
        const banner = dev.output();
        expect(banner).toContain('Sluice local mode for tenant "acme"');
        expect(banner).toContain(`  npx sluice batches cat clicks --tenant acme\n`);
        const curl = banner.split('\n').find((line) => line.trimStart().startsWith('curl '));
        expect(curl).toContain(`${dev.url}/stream/v0/data/clicks`);
        if (curlInstalled) {
          const { stdout } = await run('sh', ['-c', `${curl} --silent`]);
          expect(stdout).toMatch(/^HTTP\/1\.1 202 Accepted/);
        } else {
          const token = /^ {2}token\s+(\S+)/m.exec(banner)?.[1] ?? '';
          const response = await fetch(`${dev.url}/stream/v0/data/clicks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{"event":"signup","user_id":"u-42"}',
          });
          expect(response.status).toBe(202);
        }
        const token = captureIo({ env });
        expect(await runCli(['token', 'create', '--tenant', tenantFile], token.io)).toBe(0);
        expect(decodeJwt(token.stdout().trim())).toMatchObject({ aud: 'sluice-acme', iss: dev.url });
      } finally {
        dev.child.kill('SIGTERM');
        expect(await dev.exited).toBe(0);
      }
      expect(await readdir(base)).toEqual(['acme']);
      // dynamodb: the embedded DynamoDB that keeps Idempotency-Key records, started for every tenant.
      expect((await readdir(join(base, 'acme'))).sort()).toEqual(['buffers', 'dynamodb', 'keys', 's3']);
      const cat = captureIo({ env });
      expect(await runCli(['batches', 'cat', 'clicks', '--tenant', tenantFile], cat.io)).toBe(0);
      const landed = cat.stdout().split('\n').filter(Boolean);
      expect(landed).toHaveLength(1);
      expect(JSON.parse(landed[0] ?? '')).toBeTypeOf('object');
      // The example tenant has no stream clicks, and none of acme's data.
      const other = captureIo({ env });
      expect(await runCli(['batches', 'cat', 'clicks'], other.io)).toBe(2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('dev prints one line per request: method, path, status, milliseconds and records, never the token', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sluice-access-'));
    try {
      const dev = await startDevProcess(join(root, '.sluice'));
      try {
        const token = /^ {2}token\s+(\S+)/m.exec(dev.output())?.[1] ?? '';
        const send = (path: string, body: string, authorization = `Bearer ${token}`) =>
          fetch(`${dev.url}${path}`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body,
          });
        const order = {
          order_id: 'o-1',
          customer_id: 'c-1',
          amount: 5,
          currency: 'EUR',
          placed_at: '2026-01-02T03:04:05Z',
        };
        expect((await send('/stream/v0/data/orders', JSON.stringify(order))).status).toBe(202);
        expect((await send('/stream/v0/data/events', '[{"a":1},{"a":2}]')).status).toBe(202);
        expect((await send(`/stream/v0/data/events?token=${token}`, '{', 'Bearer nope')).status).toBe(401);
        expect((await send(`/stream/v0/data/${token}`, '{}')).status).toBe(404);
        const expected = [
          /^POST \/stream\/v0\/data\/orders 202 \d+ ms 1 record$/m,
          /^POST \/stream\/v0\/data\/events 202 \d+ ms 2 records$/m,
          /^POST \/stream\/v0\/data\/events 401 \d+ ms 0 records$/m,
          /^POST \/stream\/v0\/data\/<token> 404 \d+ ms 0 records$/m,
        ];
        await vi.waitFor(() => {
          for (const line of expected) expect(dev.output()).toMatch(line);
        });
        const afterBanner = dev.output().slice(dev.output().indexOf('Try it:'));
        const requestLines = afterBanner.split('\n').filter((line) => line.startsWith('POST '));
        expect(requestLines).toHaveLength(4);
        for (const line of requestLines) expect(line).not.toContain(token);
      } finally {
        dev.child.kill('SIGTERM');
        await dev.exited;
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it.skipIf(!curlInstalled)('prints a curl line at start that works when pasted into a shell', async () => {
    const local = await server();
    const banner = await devBanner(local.server, local.home.root);
    const curl = banner.split('\n').find((line) => line.trimStart().startsWith('curl '));
    expect(curl).toBeDefined();
    const { stdout } = await run('sh', ['-c', `${curl} --silent`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 202 Accepted/);
    expect(banner).toContain(local.server.url);
    expect(banner).toContain(local.server.s3.endpoint);
    expect(banner).toMatch(/orders\s+\(json, schema, dead-letter\)/);
    expect(banner).toMatch(/profiles\s+\(xml\)/);
    expect(banner).toContain('  webhook  github: secret "github-webhook" is not set');
    expect(banner).toContain(
      'npx sluice secret set github-webhook   (or SLUICE_SECRET_GITHUB_WEBHOOK in the environment)',
    );
    const withSecret = await devBanner(local.server, local.home.root, { SLUICE_SECRET_GITHUB_WEBHOOK: 'x' });
    expect(withSecret).not.toContain('webhook  github');
  });

  it('runs as `npx sluice` from the repository root', async () => {
    const { stdout } = await run('npx', ['--no-install', 'sluice', '--help'], { cwd: REPO_ROOT });
    expect(stdout).toContain('Usage: sluice <command>');
  });
});
