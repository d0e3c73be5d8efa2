import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { createSampleApi, SAMPLE_EVENTS_FILE, SAMPLE_EVENTS_PATH, SAMPLE_MAX_LIMIT } from '#local/pull/sample-api';
import { defineTenant } from '#shared/config/tenant-config';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({ tenant: 'example', auth: { issuer: 'self' }, streams: { events: { payload: 'json' } } });

/** A record's text in a page (records hold no nested objects). */
const RECORD_TEXT = /\{\s*"id":[^}]*\}/g;

let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let file: string;

beforeAll(async () => {
  home = await tempHome();
  file = join(home.base, '..', 'events.json');
  await copyFile(SAMPLE_EVENTS_FILE, file);
  server = await startDevServer({
    tenant,
    home,
    port: 0,
    createHandler: stubIngestHandler().factory,
    sampleApiFile: file,
  });
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

async function page(query: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.sampleApiUrl}${query}`);
  return { status: response.status, text: await response.text() };
}

/** Follows `next` from the first page; returns every record's text. */
async function pageThrough(query: string): Promise<string[]> {
  const records: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const { status, text } = await page(`${query}${after === null ? '' : `&after=${after}`}`);
    expect(status).toBe(200);
    const body = JSON.parse(text) as { data: unknown[]; next: string | null };
    // The records' own text, to check it is the file's.
    records.push(...(text.match(RECORD_TEXT) ?? []));
    expect(records.length).toBeGreaterThanOrEqual(body.data.length);
    after = body.next;
    if (after === null) return records;
  }
  throw new Error('the sample API never ended');
}

describe('the sample API of local mode', () => {
  it('pages through every record of its file once, oldest first, a 64-bit id exact', async () => {
    const records = await pageThrough('?limit=7');
    const fileRecords = (await readFile(file, 'utf8')).match(RECORD_TEXT) ?? [];
    expect(records).toEqual(fileRecords);
    expect(records.length).toBeGreaterThanOrEqual(40);
    expect(records.some((record) => /"id": ?9007199254740993,/.test(record))).toBe(true);
  });

  it('answers the last page with "next": null', async () => {
    const { text } = await page(`?limit=${SAMPLE_MAX_LIMIT}`);
    expect(JSON.parse(text).next).toBeNull();
  });

  it(`takes limit=${SAMPLE_MAX_LIMIT} and answers 400 to limit=${SAMPLE_MAX_LIMIT + 1} and limit=0`, async () => {
    expect((await page(`?limit=${SAMPLE_MAX_LIMIT}`)).status).toBe(200);
    for (const limit of [SAMPLE_MAX_LIMIT + 1, 0, 1.5]) {
      const { status, text } = await page(`?limit=${limit}`);
      expect(status).toBe(400);
      expect(JSON.parse(text).message).toMatch(/^limit must be a whole number from 1 to 100$/);
    }
  });

  it('answers 400 to a cursor it did not issue and to a since that is not a time', async () => {
    expect(await page('?after=not-a-cursor')).toMatchObject({ status: 400, text: expect.stringMatching(/after must/) });
    expect(await page('?since=yesterday')).toMatchObject({ status: 400, text: expect.stringMatching(/since must/) });
  });

  it('returns only records updated at or after since', async () => {
    const records = await pageThrough('?limit=100&since=2025-01-06T14:00:00Z');
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(JSON.parse(record).updated_at >= '2025-01-06T14:00:00Z').toBe(true);
  });

  it('keeps the record updated exactly at since by default (>=), and drops it when told to filter with >', async () => {
    const at = '2025-01-06T14:36:00Z';
    const inclusive = await pageThrough(`?limit=100&since=${at}`);
    expect(inclusive.map((record) => JSON.parse(record).updated_at)).toEqual([at]);
    const exclusive = createServer(createSampleApi(file, '>'));
    await new Promise<void>((resolve) => exclusive.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(exclusive.address() as AddressInfo).port}${SAMPLE_EVENTS_PATH}`;
      expect(await (await fetch(`${base}?since=${at}`)).json()).toEqual({ data: [], next: null });
      const before = (await (await fetch(`${base}?since=2025-01-06T14:35:59Z`)).json()) as {
        data: { updated_at: string }[];
      };
      expect(before.data.map((record) => record.updated_at)).toEqual([at]);
    } finally {
      exclusive.close();
    }
  });

  it('shows a record added to the file after the last cursor it gave', async () => {
    const { text } = await page(`?limit=${SAMPLE_MAX_LIMIT}`);
    const lastPage = JSON.parse(text) as { data: { updated_at: string }[] };
    const original = await readFile(file, 'utf8');
    const added = '{"id":5000,"type":"signup","user":"u-1","amount":null,"updated_at":"2030-01-01T00:00:00Z"}';
    await writeFile(file, original.replace(/\n\]\n$/, `,\n  ${added}\n]\n`));
    try {
      const records = await pageThrough(`?limit=100&since=${lastPage.data.at(-1)?.updated_at}`);
      expect(records.at(-1)).toBe(added);
    } finally {
      await writeFile(file, original);
    }
  });

  it('answers 404 to another path under /sample-api/ and 405 to a POST', async () => {
    expect((await fetch(`${server.url}/sample-api/v1/nothing`)).status).toBe(404);
    expect((await fetch(server.sampleApiUrl, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});
