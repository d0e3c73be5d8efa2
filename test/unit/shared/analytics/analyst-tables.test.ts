import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_QUERIES,
  EXAMPLE_WINDOW_DAYS,
  exampleQuery,
  glueDatabaseName,
  LANDED_HOUR_COLUMN,
  LATEST_VIEW_WINDOW_DAYS,
  landedWithinDays,
  latestViewName,
  latestViewSql,
  readsRawLines,
  SLUICE_COLUMN,
  tableColumns,
  tableName,
} from '#shared/analytics/analyst-tables';
import { STREAM_ID_PATTERN } from '#shared/config/stream-config';
import example from '#tenants/example';

const json = (schema: v.GenericSchema) => ({ payload: 'json' as const, schema });
const typeOf = (schema: v.GenericSchema) => tableColumns(json(v.object({ x: schema })))[0]?.type;

describe('table and database names', () => {
  it('lower-case the stream id and turn - into _', () => {
    expect(tableName('orders')).toBe('orders');
    expect(tableName('My-Stream')).toBe('my_stream');
    expect(latestViewName('my-stream')).toBe('my_stream_latest');
    expect(glueDatabaseName('acme-eu')).toBe('sluice_acme_eu');
  });

  it('give every stream id a name Athena takes unquoted', () => {
    fc.assert(
      fc.property(fc.stringMatching(STREAM_ID_PATTERN), (id) => {
        expect(tableName(id)).toMatch(/^[a-z0-9_]{1,64}$/);
      }),
    );
  });
});

describe('tableColumns', () => {
  it("maps the example orders schema to Hive types in the schema's order", () => {
    expect(tableColumns(example.streams.orders ?? { payload: 'json', schema: undefined })).toEqual([
      { name: 'order_id', type: 'string' },
      { name: 'customer_id', type: 'string' },
      { name: 'amount', type: 'double' },
      { name: 'currency', type: 'string' },
      { name: 'placed_at', type: 'string' },
      { name: 'items', type: 'array<struct<sku:string,qty:decimal(38,0)>>' },
    ]);
  });

  it('types an integer bounded within ±(2^53 − 1) as bigint and one bound at 2^53 as decimal(38,0)', () => {
    const safe = Number.MAX_SAFE_INTEGER;
    expect(typeOf(v.pipe(v.number(), v.integer(), v.minValue(-safe), v.maxValue(safe)))).toBe('bigint');
    expect(typeOf(v.pipe(v.number(), v.integer(), v.minValue(-safe), v.maxValue(safe + 1)))).toBe('decimal(38,0)');
    expect(typeOf(v.pipe(v.number(), v.integer(), v.minValue(-safe - 1), v.maxValue(safe)))).toBe('decimal(38,0)');
    expect(typeOf(v.pipe(v.number(), v.integer(), v.minValue(0)))).toBe('decimal(38,0)');
  });

  it('types numbers, booleans, ISO date-times, nullable values, records and nesting', () => {
    expect(typeOf(v.number())).toBe('double');
    expect(typeOf(v.boolean())).toBe('boolean');
    expect(typeOf(v.nullable(v.string()))).toBe('string');
    expect(typeOf(v.picklist(['a', 'b']))).toBe('string');
    expect(typeOf(v.record(v.string(), v.boolean()))).toBe('map<string,boolean>');
    expect(typeOf(v.array(v.array(v.string())))).toBe('array<array<string>>');
    expect(typeOf(v.object({ Inner: v.object({ 'a-b': v.number() }) }))).toBe('struct<inner:struct<`a-b`:double>>');
  });

  it('reads an ISO date-time property as a string column: forms isoTimestamp accepts are past what a timestamp column parses', () => {
    // One value the Hive JSON SerDe cannot parse as a timestamp fails every Athena query over
    // its file, and isoTimestamp accepts forms no single set of Joda patterns covers.
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const accepted = fc
      .record({
        date: fc.constantFrom('2026-03-04', '1999-12-31'),
        separator: fc.constantFrom('T', ' '),
        time: fc.tuple(two(23), two(59), two(59)).map((parts) => parts.join(':')),
        fraction: fc.constantFrom('', '.1', '.123', '.123456', '.123456789'),
        zone: fc.constantFrom('Z', '+01', '-0530', '+01:00', ' +01:00'),
      })
      .map(({ date, separator, time, fraction, zone }) => `${date}${separator}${time}${fraction}${zone}`);
    for (const schema of [v.pipe(v.string(), v.isoTimestamp()), v.pipe(v.string(), v.isoDateTime())]) {
      expect(typeOf(schema)).toBe('string');
    }
    fc.assert(
      fc.property(accepted, (text) => {
        expect(v.is(v.pipe(v.string(), v.isoTimestamp()), text)).toBe(true);
        expect(typeOf(v.object({ at: v.pipe(v.string(), v.isoTimestamp()) }).entries.at)).toBe('string');
      }),
    );
  });

  it('names a column in lower case and keeps the JSON key it reads when the property has capitals', () => {
    expect(tableColumns(json(v.object({ orderId: v.string(), id: v.string() })))).toEqual([
      { name: 'orderid', type: 'string', key: 'orderId' },
      { name: 'id', type: 'string' },
    ]);
    expect(tableColumns(json(v.object({ id: v.string() })))[0]).not.toHaveProperty('key');
  });

  it('reads what Hive cannot type exactly, such as a union of string and number, as its text', () => {
    expect(typeOf(v.union([v.string(), v.number()]))).toBe('string');
  });

  it('adds the _sluice struct column for a stream a pull source lands in', () => {
    const stream = json(v.object({ id: v.string() }));
    expect(tableColumns(stream, { pulled: true })).toEqual([{ name: 'id', type: 'string' }, SLUICE_COLUMN]);
    expect(SLUICE_COLUMN.type).toBe('struct<source:string,run:string,page:bigint,fetched_at:string,record_id:string>');
  });

  it('gives schemaless and XML streams the one raw record column', () => {
    for (const stream of [
      { payload: 'json' as const, schema: undefined },
      { payload: 'xml' as const, schema: undefined },
      json(v.array(v.string())),
    ]) {
      expect(readsRawLines(stream)).toBe(true);
      expect(tableColumns(stream, { pulled: true })).toEqual([{ name: 'record', type: 'string' }]);
    }
  });

  it('never yields an empty column list or an empty type', () => {
    const leaf = fc.constantFrom<v.GenericSchema>(v.string(), v.number(), v.boolean(), v.unknown(), v.bigint());
    const schema = fc.letrec<{ node: v.GenericSchema }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        tie('node').map((item) => v.array(item)),
        fc
          .dictionary(fc.stringMatching(/^[a-z]{1,5}$/), tie('node'), { minKeys: 1, maxKeys: 3 })
          .map((entries) => v.object(entries)),
      ),
    })).node;
    fc.assert(
      fc.property(schema, (node) => {
        const columns = tableColumns(json(v.object({ x: node })));
        expect(columns).toHaveLength(1);
        expect(columns[0]?.type).toMatch(/^[a-z]/);
      }),
    );
  });
});

describe('the latest view of a pulled stream', () => {
  it('ranks by _sluice.record_id and lists the columns and partitions without the rank', () => {
    const sql = latestViewSql('my-items', tableColumns(json(v.object({ id: v.string() })), { pulled: true }));
    expect(sql).toContain('SELECT id, "_sluice", landed_hour\n');
    expect(sql).toContain('PARTITION BY "_sluice".record_id ORDER BY "_sluice".fetched_at DESC');
    expect(sql).toContain('FROM my_items\n');
    // The window is inside the ranking, where Athena can prune the table's hours with it.
    expect(sql).toContain(`  FROM my_items\n  WHERE ${landedWithinDays(LATEST_VIEW_WINDOW_DAYS)}\n)`);
  });

  it('reads _sluice out of the raw line of a schemaless stream', () => {
    const sql = latestViewSql('events', tableColumns({ payload: 'json', schema: undefined }));
    expect(sql).toContain("PARTITION BY json_extract_scalar(record, '$._sluice.record_id')");
  });
});

describe('example queries', () => {
  it('has one for each table of the example tenant and a records-per-hour query for any other', () => {
    expect(Object.keys(EXAMPLE_QUERIES).sort()).toEqual(['dead_letters', 'events', 'orders']);
    expect(exampleQuery('orders')).toBe(EXAMPLE_QUERIES.orders);
    expect(exampleQuery('clicks')).toMatch(/^SELECT landed_hour, count\(\*\) AS records\nFROM clicks\n/);
  });

  it('reads only the window of every example, through a filter on the partition column', () => {
    const window = `WHERE ${landedWithinDays(EXAMPLE_WINDOW_DAYS)}`;
    for (const table of [...Object.keys(EXAMPLE_QUERIES), 'clicks']) {
      expect(exampleQuery(table).split('\n'), table).toContain(window);
    }
    expect(window).toContain(`${LANDED_HOUR_COLUMN} >= date_format(`);
  });
});
