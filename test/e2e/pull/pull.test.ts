/** The pull side end to end through the CLI, with the real runner, state store and secrets. */
import { spawn } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { startDevServer } from '#local/dev-server';
import { createSampleApi, SAMPLE_EVENTS_FILE, SAMPLE_EVENTS_PATH } from '#local/pull/sample-api';
import { loadTenant } from '#shared/config/tenant-loader';
import { captureIo } from '../../unit/cli/io-capture.ts';
import { REPO_ROOT, SLUICE_BIN } from '../support/dev-process.ts';
import { landedRecordsIn } from '../support/landed-records.ts';
import { tempHome } from '../support/temp-home.ts';

const TENANT_FILE = 'test/unit/cli/fixtures/pull-tenant.ts';
const GUARDED_TENANT_FILE = 'test/e2e/fixtures/guarded-pull-tenant.ts';

/** Slow fake API: SLOW_PAGES pages of SLOW_PAGE_SIZE records, SLOW_DELAY_MS per answer. */
const SLOW_PAGES = 20;
const SLOW_PAGE_SIZE = 5;
const SLOW_DELAY_MS = 150;

let sampleFile: string;
let sampleServer: Server;
let slowServer: Server;
let guardedServer: Server;
const GUARDED_TOKEN = 'tok-e2e-5f1c';
let fixtureHome: Awaited<ReturnType<typeof tempHome>>;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

beforeAll(async () => {
  fixtureHome = await tempHome('puller');
  sampleFile = join(fixtureHome.base, '..', 'events.json');
  await copyFile(SAMPLE_EVENTS_FILE, sampleFile);
  sampleServer = createServer(createSampleApi(sampleFile));
  slowServer = createServer((request, response) => {
    const after = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('after') ?? 0);
    const data = Array.from(
      { length: SLOW_PAGE_SIZE },
      (_, index) => `{"id":${after + index},"n":"r${after + index}"}`,
    );
    const next = after + SLOW_PAGE_SIZE < SLOW_PAGES * SLOW_PAGE_SIZE ? `"${after + SLOW_PAGE_SIZE}"` : 'null';
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"data":[${data.join(',')}],"next":${next}}`);
    }, SLOW_DELAY_MS);
  });
  guardedServer = createServer((request, response) => {
    const allowed = request.headers.authorization === `Bearer ${GUARDED_TOKEN}`;
    response.writeHead(allowed ? 200 : 401, { 'content-type': 'application/json' });
    response.end(allowed ? '{"data":[{"id":1},{"id":2}]}' : '{"message":"bad token"}');
  });
  // The fixture tenant reads the URLs when it is first imported, in this process and in children.
  process.env.SLUICE_TEST_SAMPLE_URL = `${await listen(sampleServer)}${SAMPLE_EVENTS_PATH}`;
  process.env.SLUICE_TEST_SLOW_URL = `${await listen(slowServer)}/slow`;
  process.env.SLUICE_TEST_GUARDED_URL = `${await listen(guardedServer)}/guarded`;
});

afterAll(async () => {
  sampleServer.close();
  slowServer.close();
  guardedServer.close();
  await fixtureHome.remove();
});

const homes: Awaited<ReturnType<typeof tempHome>>[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await home.remove();
});

async function newHome() {
  const home = await tempHome('puller');
  homes.push(home);
  return home;
}

async function pull(base: string, ...args: string[]) {
  return pullWith({ SLUICE_HOME: base }, TENANT_FILE, ...args);
}

async function pullWith(env: NodeJS.ProcessEnv, tenantFile: string, ...args: string[]) {
  const captured = captureIo({ env });
  const code = await runCli(['pull', ...args, '--tenant', tenantFile], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

interface Landed {
  readonly _sluice: { readonly record_id: string; readonly page: number; readonly run: string };
}

function parseLanded(lines: readonly string[]): Landed[] {
  return lines.map((line) => JSON.parse(line) as Landed);
}

describe('sluice pull with the real runner', () => {
  it('lands every record of the sample API exactly once, then a second pull fetches only the new ones', async () => {
    const home = await newHome();
    const fileRecords = (await readFile(sampleFile, 'utf8')).match(/\{\s*"id":[^}]*\}/g) ?? [];
    const first = await pull(home.base, 'sample');
    expect(first.stderr).toBe('');
    expect(first.stdout.match(/^pull sample page \d+: \d+ records from /gm)?.length).toBe(
      Math.ceil(fileRecords.length / 10),
    );
    expect(first.stdout).toMatch(new RegExp(`^pull sample succeeded: \\d+ pages, ${fileRecords.length} records`, 'm'));
    expect(first.code).toBe(0);
    const landed = await landedRecordsIn(home.s3, 'events');
    expect(landed).toHaveLength(fileRecords.length);
    expect(new Set(parseLanded(landed).map((record) => record._sluice.record_id)).size).toBe(fileRecords.length);
    // The 64-bit id lands as the API sent it.
    expect(landed.some((line) => /"id": ?9007199254740993,/.test(line))).toBe(true);

    const original = await readFile(sampleFile, 'utf8');
    const added =
      '{ "id": 7000, "type": "signup", "user": "u-9", "amount": null, "updated_at": "2031-01-01T00:00:00Z" }';
    await writeFile(sampleFile, original.replace(/\n\]\n$/, `,\n  ${added}\n]\n`));
    try {
      const second = await pull(home.base, 'sample');
      // `since` is inclusive: the last record of the first run comes again, and is skipped as landed already.
      expect(second.stdout).toMatch(/^pull sample succeeded: 1 pages?, 1 records?,/m);
      const all = parseLanded(await landedRecordsIn(home.s3, 'events'));
      expect(new Set(all.map((record) => record._sluice.record_id)).size).toBe(fileRecords.length + 1);

      const status = await pull(home.base, '--status');
      expect(status.stdout).toMatch(
        /^sample: last run sample-\S+ ended \S+; pull sample succeeded: 1 pages?, 1 records?,/m,
      );
      expect(status.stdout).toContain('cursor 2031-01-01T00:00:00Z');
      expect(status.code).toBe(0);
    } finally {
      await writeFile(sampleFile, original);
    }
  });

  it('authenticates with a secret set by sluice secret set, and with one from SLUICE_SECRET_<NAME>', async () => {
    const home = await newHome();
    const refused = await pullWith({ SLUICE_HOME: home.base }, GUARDED_TENANT_FILE, 'guarded');
    expect(refused.code).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/secret private-token/);

    const set = captureIo({ env: { SLUICE_HOME: home.base }, stdin: GUARDED_TOKEN });
    expect(await runCli(['secret', 'set', 'private-token', '--tenant', GUARDED_TENANT_FILE], set.io)).toBe(0);
    const fromFile = await pullWith({ SLUICE_HOME: home.base }, GUARDED_TENANT_FILE, 'guarded');
    expect(fromFile.stdout).toMatch(/^pull guarded succeeded: 1 page, 2 records/m);
    expect(fromFile.code).toBe(0);

    const other = await newHome();
    const fromEnv = await pullWith(
      { SLUICE_HOME: other.base, SLUICE_SECRET_PRIVATE_TOKEN: GUARDED_TOKEN },
      GUARDED_TENANT_FILE,
      'guarded',
    );
    expect(fromEnv.stdout).toMatch(/^pull guarded succeeded: 1 page, 2 records/m);
    // No output names the token.
    expect(`${refused.stdout}${refused.stderr}${fromFile.stdout}${fromFile.stderr}${fromEnv.stdout}`).not.toContain(
      GUARDED_TOKEN,
    );
  });

  it('runs through a running dev server, whose journal delivers the records', async () => {
    const home = await newHome();
    const tenant = (await loadTenant(TENANT_FILE)).config;
    const server = await startDevServer({ tenant, home, port: 0, schedules: false });
    try {
      const result = await pull(home.base, 'sample');
      expect(result.stdout).toMatch(/^pull sample succeeded: /m);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
    const fileRecords = (await readFile(sampleFile, 'utf8')).match(/\{\s*"id":[^}]*\}/g) ?? [];
    expect(await landedRecordsIn(home.s3, 'events')).toHaveLength(fileRecords.length);
  });

  it('after kill -9 mid-run, the next pull lands every record; duplicates only from the page in flight', async () => {
    const home = await newHome();
    const child = spawn(process.execPath, [SLUICE_BIN, 'pull', 'slow', '--tenant', TENANT_FILE], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_HOME: home.base },
    });
    let stdout = '';
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^pull slow page 5:/m.test(stdout)) resolve();
      });
      void exited.then(() => reject(new Error(`sluice pull ended before page 5:\n${stdout}`)));
    });
    child.kill('SIGKILL');
    await exited;
    const committedBeforeKill = stdout.match(/^pull slow page \d+:/gm)?.length ?? 0;
    expect(committedBeforeKill).toBeLessThan(SLOW_PAGES);

    const resumed = await pull(home.base, 'slow');
    expect(resumed.stdout).toMatch(/^pull slow succeeded: /m);
    expect(resumed.code).toBe(0);
    const landed = (await landedRecordsIn(home.s3, 'events')).map((line) => JSON.parse(line) as { id: number });
    const ids = landed.map((record) => record.id);
    const total = SLOW_PAGES * SLOW_PAGE_SIZE;
    expect(new Set(ids).size).toBe(total);
    // Pages committed before the kill are never fetched again; at most the pages in flight are.
    expect(ids.length - total).toBeLessThanOrEqual(2 * SLOW_PAGE_SIZE);
  });

  it('refuses a second run of a source while one runs, and says so', async () => {
    const home = await newHome();
    const tenant = (await loadTenant(TENANT_FILE)).config;
    const server = await startDevServer({ tenant, home, port: 0, schedules: false });
    try {
      const [a, b] = await Promise.all([pull(home.base, 'slow'), pull(home.base, 'slow')]);
      const codes = [a.code, b.code].sort();
      expect(codes).toEqual([0, 1]);
      expect(`${a.stderr}${b.stderr}`).toContain('source slow is already running');
    } finally {
      await server.close();
    }
  });
});

describe("the example tenant's sample source", () => {
  async function examplePull(base: string, ...args: string[]) {
    const captured = captureIo({ env: { SLUICE_HOME: base } });
    const code = await runCli(['pull', ...args], captured.io);
    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  }

  it('pulls the sample API through a dev server on any port, and lands records with _sluice', async () => {
    const home = await tempHome('example');
    homes.push(home);
    const tenant = (await loadTenant('example')).config;
    const server = await startDevServer({ tenant, home, port: 0, schedules: false });
    try {
      const result = await examplePull(home.base, 'sample');
      expect(result.stdout).toMatch(
        /^pull sample page 1: 10 records from http:\/\/sample-api\.sluice\.localhost\/v1\/events/m,
      );
      expect(result.stdout).toMatch(/^pull sample succeeded: /m);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
    const fileRecords = (await readFile(SAMPLE_EVENTS_FILE, 'utf8')).match(/\{\s*"id":[^}]*\}/g) ?? [];
    const landed = parseLanded(await landedRecordsIn(home.s3, 'events'));
    expect(landed).toHaveLength(fileRecords.length);
    expect(landed.every((record) => record._sluice.record_id.length > 0)).toBe(true);
  });

  it('pulls the sample API without a dev server, from a sample API of its own', async () => {
    const home = await tempHome('example');
    homes.push(home);
    const result = await examplePull(home.base, 'sample');
    expect(result.stdout).toMatch(/^pull sample succeeded: /m);
    expect(result.code).toBe(0);
    const fileRecords = (await readFile(SAMPLE_EVENTS_FILE, 'utf8')).match(/\{\s*"id":[^}]*\}/g) ?? [];
    expect(await landedRecordsIn(home.s3, 'events')).toHaveLength(fileRecords.length);
  });

  it('keeps one row per pulled record in the events_latest view, though a full refresh landed every record twice', async () => {
    const home = await tempHome('example');
    homes.push(home);
    expect((await examplePull(home.base, 'sample')).code).toBe(0);
    expect((await examplePull(home.base, 'sample', '--full-refresh')).code).toBe(0);
    const fileRecords = (await readFile(SAMPLE_EVENTS_FILE, 'utf8')).match(/\{\s*"id":[^}]*\}/g) ?? [];
    async function count(sql: string): Promise<string> {
      const captured = captureIo({ env: { SLUICE_HOME: home.base } });
      expect(await runCli(['query', sql, '--format', 'csv'], captured.io)).toBe(0);
      return captured.stdout().trim().split('\n').at(-1) ?? '';
    }
    expect(await count('SELECT count(*) AS n FROM events')).toBe(String(2 * fileRecords.length));
    expect(await count('SELECT count(*) AS n FROM events_latest')).toBe(String(fileRecords.length));
  });
});
