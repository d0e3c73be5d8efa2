import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { duckdbType } from '#cli/query/duckdb-views';
import { decodedFilesIn } from '#cli/query/landed-files';
import { openQueryEngine, QUERY_ERROR_MAX_CHARS, QueryError } from '#cli/query/query-engine';
import { EXAMPLE_QUERIES, LATEST_VIEW_WINDOW_DAYS } from '#shared/analytics/analyst-tables';
import { defineTenant } from '#shared/config/tenant-config';
import { loadTenant } from '#shared/config/tenant-loader';

async function withEngine<T>(run: (engine: Awaited<ReturnType<typeof openQueryEngine>>) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'sluice-views-'));
  const engine = await openQueryEngine((await loadTenant()).config, await decodedFilesIn(folder));
  try {
    return await run(engine);
  } finally {
    engine.close();
    await rm(folder, { recursive: true, force: true });
  }
}

describe('the DuckDB views', () => {
  it('maps Hive types to DuckDB types, nested ones included', () => {
    expect(duckdbType('decimal(38,0)')).toBe('DECIMAL(38,0)');
    expect(duckdbType('array<struct<sku:string,qty:bigint>>')).toBe('STRUCT("sku" VARCHAR, "qty" BIGINT)[]');
    expect(duckdbType('struct<a:struct<b:array<string>>,c:timestamp>')).toBe(
      'STRUCT("a" STRUCT("b" VARCHAR[]), "c" TIMESTAMP)',
    );
    expect(duckdbType('map<string,array<bigint>>')).toBe('MAP(VARCHAR, BIGINT[])');
    expect(duckdbType('struct<`a-b`:double,`x,y:z<`:string>')).toBe('STRUCT("a-b" DOUBLE, "x,y:z<" VARCHAR)');
    expect(() => duckdbType('uniontype<int,string>')).toThrow('no DuckDB type for the Hive type uniontype<int,string>');
  });

  it('answers json_extract_scalar as Athena does: scalars as text, NULL for objects, arrays, null and bad JSON', async () => {
    const answer = await withEngine((engine) =>
      engine.query(`SELECT json_extract_scalar('{"a":{"b":1},"n":12345678901234567890,"s":"x","z":null}', '$.a') AS object,
        json_extract_scalar('{"l":[1]}', '$.l') AS list, json_extract_scalar('{"n":12345678901234567890}', '$.n') AS number,
        json_extract_scalar('{"s":"x"}', '$.s') AS text, json_extract_scalar('{"z":null}', '$.z') AS nothing,
        json_extract_scalar('not json', '$.s') AS bad, json_extract_scalar('{"s":"x"}', '$.missing') AS missing`),
    );
    expect(answer.rows).toEqual([[null, null, '12345678901234567890', 'x', null, null, null]]);
  });

  it('refuses bad SQL with a one-line QueryError, bounded in length', async () => {
    await withEngine(async (engine) => {
      const error = await engine.query('SELEC 1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as Error).message).toMatch(/^Parser Error: [^\n]+$/);
      const long = await engine.query(`SELECT * FROM ${'x'.repeat(5000)}`).catch((caught: unknown) => caught);
      expect((long as Error).message.length).toBeLessThanOrEqual(QUERY_ERROR_MAX_CHARS);
    });
  });

  it('has every example query of shared/analytics/analyst-tables.ts in docs/analysts.md, word for word', async () => {
    const docs = await readFile(new URL('../../../../docs/analysts.md', import.meta.url), 'utf8');
    for (const sql of Object.values(EXAMPLE_QUERIES)) expect(docs).toContain(sql);
  });

  it('keeps the newest fetch of each pulled record of the window in the _latest view, typed and schemaless streams alike', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sluice-views-'));
    const hourOf = (stream: string, at: Date) => {
      const [year, month, day, hour] = at.toISOString().split(/[-T:]/);
      return join(folder, 'streams', stream, `year=${year}`, `month=${month}`, `day=${day}`, `hour=${hour}`);
    };
    const now = new Date();
    const outside = new Date(now.getTime() - (LATEST_VIEW_WINDOW_DAYS + 1) * 86_400_000);
    const lines = async (stream: string, at: Date, records: string[]) => {
      await mkdir(hourOf(stream, at), { recursive: true });
      await writeFile(join(hourOf(stream, at), 'batch.ndjson'), records.join('\n'));
    };
    const line = (id: string, name: string, fetchedAt: string, recordId: string) =>
      JSON.stringify({
        id,
        name,
        _sluice: { source: 'crm', run: 'r1', page: 1, fetched_at: fetchedAt, record_id: recordId },
      });
    const records = [
      line('1', 'old', '2024-05-01T10:00:00.000Z', 'a'),
      line('1', 'new', '2024-05-01T10:05:00.000Z', 'a'),
      line('2', 'only', '2024-05-01T10:01:00.000Z', 'b'),
    ];
    // Fetched later, but landed in an hour before the view's window: the view does not read it.
    const tooOld = [line('1', 'outside', '2024-05-02T10:00:00.000Z', 'a')];
    for (const stream of ['deals', 'hooks']) {
      await lines(stream, now, records);
      await lines(stream, outside, tooOld);
    }
    const tenant = defineTenant({
      tenant: 'views',
      auth: { issuer: 'self' },
      streams: {
        deals: { payload: 'json', schema: v.object({ id: v.string(), name: v.string() }) },
        hooks: { payload: 'json' },
      },
    });
    const engine = await openQueryEngine(tenant, await decodedFilesIn(folder), new Set(['deals', 'hooks']));
    try {
      const answer = await engine.query('SELECT * FROM deals_latest ORDER BY id');
      expect(answer.columns).toEqual(['id', 'name', '_sluice', 'landed_hour']);
      expect(answer.rows.map((row) => row.slice(0, 2))).toEqual([
        ['1', 'new'],
        ['2', 'only'],
      ]);
      const raw = await engine.query(
        "SELECT json_extract_scalar(record, '$.name') AS name, landed_hour FROM hooks_latest ORDER BY name",
      );
      const landedHour = hourOf('hooks', now).slice(join(folder, 'streams', 'hooks').length + 1);
      expect(raw.rows).toEqual([
        ['new', landedHour],
        ['only', landedHour],
      ]);
    } finally {
      engine.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
