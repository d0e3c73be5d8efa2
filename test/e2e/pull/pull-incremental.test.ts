/**
 * Issue 21 §6: incremental runs land no duplicate at the cursor boundary, whether the API filters
 * `since` inclusively (`>=`, the sample API's default, like most real APIs) or exclusively (`>`).
 * Through `sluice pull` with the real runner, state store and delivery, against the sample API.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { createSampleApi, SAMPLE_EVENTS_FILE, SAMPLE_EVENTS_PATH, type SinceFilter } from '#local/pull/sample-api';
import { captureIo } from '../../unit/cli/io-capture.ts';
import { landedRecordsIn } from '../support/landed-records.ts';
import { tempHome } from '../support/temp-home.ts';

const TENANT_FILE = 'test/e2e/fixtures/incremental-pull-tenant.ts';
const RECORD_TEXT = /\{\s*"id":[^}]*\}/g;

const apis: { source: string; filter: SinceFilter; file: string; server: Server }[] = [];
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  home = await tempHome('incremental');
  for (const [source, filter] of [
    ['inclusive', '>='],
    ['exclusive', '>'],
  ] as const) {
    const file = join(home.base, '..', `${source}-events.json`);
    await copyFile(SAMPLE_EVENTS_FILE, file);
    const server = createServer(createSampleApi(file, filter));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SAMPLE_EVENTS_PATH}`;
    process.env[`SLUICE_TEST_${source.toUpperCase()}_URL`] = url;
    apis.push({ source, filter, file, server });
  }
});

afterAll(async () => {
  for (const { server } of apis) server.close();
  await home.remove();
});

async function pull(source: string) {
  const captured = captureIo({ env: { SLUICE_HOME: home.base } });
  const code = await runCli(['pull', source, '--tenant', TENANT_FILE], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Adds two records updated at the same new time (the next run's cursor boundary holds both). */
async function addRecords(file: string, round: number): Promise<void> {
  const text = await readFile(file, 'utf8');
  const added = [1, 2].map(
    (k) =>
      `{ "id": ${2000 + round * 10 + k}, "type": "login", "user": "u-${k}", "amount": null, "updated_at": "2026-0${round}-01T00:00:00Z" }`,
  );
  await writeFile(file, text.replace(/\n\]\n$/, `,\n  ${added.join(',\n  ')}\n]\n`));
}

describe('incremental runs against the sample API', () => {
  it.each([
    ['inclusive', '>='],
    ['exclusive', '>'],
  ])('land every record once after several runs when `since` is %s (%s)', async (source) => {
    const api = apis.find((candidate) => candidate.source === source);
    if (api === undefined) throw new Error(`no API for ${source}`);
    const original = (await readFile(api.file, 'utf8')).match(RECORD_TEXT)?.length ?? 0;
    const first = await pull(source);
    expect(first.stdout).toMatch(new RegExp(`^pull ${source} succeeded: \\d+ pages, ${original} records`, 'm'));
    for (const round of [1, 2, 3]) {
      await addRecords(api.file, round);
      const next = await pull(source);
      expect(next.stderr).toBe('');
      // Only the two new records land; the ones at the saved cursor that a `>=` API sends again are skipped.
      expect(next.stdout).toMatch(new RegExp(`^pull ${source} succeeded: 1 page, 2 records`, 'm'));
      expect(next.code).toBe(0);
    }
    const again = await pull(source);
    expect(again.stdout).toMatch(new RegExp(`^pull ${source} succeeded: 1 page, 0 records`, 'm'));
    const ids = (await landedRecordsIn(home.s3, source)).map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toHaveLength(original + 6);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
