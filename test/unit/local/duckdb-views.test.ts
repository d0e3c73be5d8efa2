import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbType } from '#local/duckdb-views';
import { openQueryEngine, QUERY_ERROR_MAX_CHARS, QueryError } from '#local/query-engine';
import { EXAMPLE_QUERIES } from '#shared/analyst-tables';
import { loadTenant } from '#shared/tenant-loader';

async function withEngine<T>(run: (engine: Awaited<ReturnType<typeof openQueryEngine>>) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'sluice-views-'));
  const engine = await openQueryEngine((await loadTenant()).config, folder);
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
    expect(() => duckdbType('map<string,string>')).toThrow('no DuckDB type for the Hive type map<string,string>');
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

  it('has every example query of shared/analyst-tables.ts in docs/analysts.md, word for word', async () => {
    const docs = await readFile(new URL('../../../docs/analysts.md', import.meta.url), 'utf8');
    for (const example of EXAMPLE_QUERIES) expect(docs).toContain(example.sql);
  });
});
