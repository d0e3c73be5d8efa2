/**
 * Issue 22 §3: no request of at most its stream's maxBytes blocks the event loop for 250 ms.
 * The JSON bodies that cost the most per byte, each at the largest maxBytes a stream may have,
 * posted through the handler while `monitorEventLoopDelay` watches the loop.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineTenant } from '#shared/config/tenant-config';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { DETAILED_ERRORS_BUDGET_BYTES, MAX_BATCH_RECORDS, MAX_NESTING_DEPTH } from '#shared/contract/ingest-limits';
import { Order } from '#tenants/example';
import { bodyOf, ingestHarness } from '../ingest-fixtures.ts';

/** The bound, in milliseconds: generous against a loaded 2-core machine, far above the cost measured (see the commit). */
const MAX_BLOCK_MS = 250;
const LIMIT = MAX_RECORD_BYTES;

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    single: { payload: 'json', maxBytes: LIMIT },
    batch: { payload: 'json', batch: true, maxBytes: LIMIT, deadLetter: true },
    orders: { payload: 'json', schema: Order, batch: true, maxBytes: LIMIT, deadLetter: true },
    strict: { payload: 'json', schema: v.strictObject({ id: v.string() }), maxBytes: LIMIT, deadLetter: true },
    counters: { payload: 'json', schema: v.record(v.string(), v.number()), maxBytes: LIMIT, deadLetter: true },
  },
});

/** `count` records of about `bytes / count` bytes each: `make(padding)` builds one from a padding length. */
function records(count: number, bytes: number, make: (pad: number) => string, separator: string): string[] {
  const room = Math.floor((bytes - 2) / count) - separator.length;
  const pad = room - Buffer.byteLength(make(0));
  return Array.from({ length: count }, () => make(pad));
}

/** A JSON array batch of `count` records filling `bytes`. */
const arrayOf = (count: number, make: (pad: number) => string) => `[${records(count, LIMIT, make, ',').join(',')}]`;
/** An NDJSON batch of `count` records filling `bytes`. */
const ndjsonOf = (count: number, make: (pad: number) => string) => `${records(count, LIMIT, make, '\n').join('\n')}\n`;

/** One object of as many distinct keys (`"k0000"`…) with `value` as fit in `bytes`. */
function manyKeys(value: string, bytes: number): string {
  const entry = (index: number) => `"k${index.toString(36).padStart(4, '0')}":${value}`;
  const count = Math.floor((bytes - 2) / (entry(0).length + 1));
  return `{${Array.from({ length: count }, (_, index) => entry(index)).join(',')}}`;
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const pad = (length: number) => 'x'.repeat(Math.max(0, length));

const CASES: readonly [string, string, string, string][] = [
  ['deep nesting: 1 MB of open brackets', 'single', 'application/json', '['.repeat(LIMIT)],
  ['deep nesting: 1 MB of open braces and keys', 'single', 'application/json', '{"a":'.repeat(LIMIT / 5)],
  [
    `nesting at the limit (${MAX_NESTING_DEPTH}) in each of ${MAX_BATCH_RECORDS} records`,
    'batch',
    'application/x-ndjson',
    ndjsonOf(MAX_BATCH_RECORDS, (length) => `{"p":"${pad(length)}","a":${nested(MAX_NESTING_DEPTH - 1)}}`),
  ],
  [
    'many tiny records: an NDJSON batch of {} lines (over the batch limit)',
    'batch',
    'application/x-ndjson',
    '{}\n'.repeat(LIMIT / 3),
  ],
  [
    'many tiny records: a JSON array of {} (over the batch limit)',
    'batch',
    'application/json',
    `[${Array.from({ length: LIMIT / 3 }, () => '{}').join(',')}]`,
  ],
  [
    `${MAX_BATCH_RECORDS} records in a JSON array`,
    'batch',
    'application/json',
    arrayOf(MAX_BATCH_RECORDS, (length) => `{"p":"${pad(length)}"}`),
  ],
  [
    `${MAX_BATCH_RECORDS} records that each fail the schema, dead-lettered`,
    'orders',
    'application/json',
    arrayOf(
      MAX_BATCH_RECORDS,
      (length) => `{"order_id":"","amount":-1,"currency":"euro","placed_at":"${pad(length)}"}`,
    ),
  ],
  [
    `${MAX_BATCH_RECORDS} records that each hold many keys`,
    'batch',
    'application/x-ndjson',
    ndjsonOf(MAX_BATCH_RECORDS, (length) => manyKeys('0', length + 2)),
  ],
  ['many keys in one record', 'single', 'application/json', manyKeys('0', LIMIT - 1)],
  ['many unknown keys for a strict schema', 'strict', 'application/json', manyKeys('0', LIMIT - 1)],
  ['many wrong values for a record schema', 'counters', 'application/json', manyKeys('"x"', LIMIT - 1)],
  ['a long string of \\u escapes', 'single', 'application/json', `{"s":"${'\\u0000'.repeat((LIMIT - 9) / 6)}"}`],
  [
    'a long string of escaped quotes and backslashes',
    'single',
    'application/json',
    `{"s":"${'\\"\\\\'.repeat((LIMIT - 9) / 4)}"}`,
  ],
  [
    `escapes in each of ${MAX_BATCH_RECORDS} records of an NDJSON batch`,
    'batch',
    'application/x-ndjson',
    ndjsonOf(MAX_BATCH_RECORDS, (length) => `{"s":"${'\\n\\"'.repeat(Math.floor(length / 4))}"}`),
  ],
];

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The longest event-loop block while `work` runs, in milliseconds, and the CPU time this process
 * spent meanwhile. On a shared machine the loop's thread is also paused while other processes
 * run (other test files, other work), which lengthens a block without being the request's cost;
 * the CPU time is not lengthened that way, and no block can cost more CPU than the whole request.
 */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; blockMs: number; cpuMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The sampling timer starts on the next turn of the loop.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const cpu = process.cpuUsage();
  const result = await work();
  const { user, system } = process.cpuUsage(cpu);
  // Two turns of the loop, so that the sampling timer fires once after any block and records it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  delay.disable();
  return { result, blockMs: delay.max / 1e6, cpuMs: (user + system) / 1000 };
}

/** Tries per body: a request fails only when every try blocked the loop and cost the CPU for it. */
const TRIES = 3;

describe(`a JSON body at its stream's maxBytes (${LIMIT} bytes)`, () => {
  it.each(CASES)(`does not block the event loop for ${MAX_BLOCK_MS} ms: %s`, async (_, stream, contentType, body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMIT);
    expect(Buffer.byteLength(body)).toBeGreaterThan(LIMIT * 0.95);
    const { post } = ingestHarness({ tenant });
    const blocks: number[] = [];
    for (let attempt = 0; attempt < TRIES; attempt += 1) {
      const { result, blockMs, cpuMs } = await measured(() => post({ stream, body, contentType }));
      // Whatever the answer, it is one of the contract's, never a 5xx.
      expect(result.statusCode).toBeLessThan(500);
      // A block no longer than the request's CPU time: the rest was the machine, not the request.
      const block = Math.min(blockMs, cpuMs);
      blocks.push(block);
      if (block < MAX_BLOCK_MS) break;
    }
    expect(Math.min(...blocks)).toBeLessThan(MAX_BLOCK_MS);
  });
});

describe('the errors listed for invalid records', () => {
  const valid = JSON.stringify({
    order_id: 'o-1',
    customer_id: 'c-1',
    amount: 10,
    currency: 'EUR',
    placed_at: '2026-01-01T00:00:00Z',
  });
  /** An order with three errors, padded to about 10 KB. */
  const invalid = JSON.stringify({ order_id: '', customer_id: 'c-1', amount: -1, currency: 'euro', note: pad(10_000) });

  it(`are all there for the first ${DETAILED_ERRORS_BUDGET_BYTES} bytes of invalid records of a request, then the first of each`, async () => {
    const { post } = ingestHarness({ tenant });
    const count = 12;
    const body = `${[valid, ...Array.from({ length: count }, () => invalid)].join('\n')}\n`;
    const response = await post({ stream: 'orders', body, contentType: 'application/x-ndjson' });
    expect(response.statusCode).toBe(202);
    const { rejected } = bodyOf(response) as { rejected: { index: number; errors: { path: string }[] }[] };
    expect(rejected).toHaveLength(count);
    const detailed = Math.floor(DETAILED_ERRORS_BUDGET_BYTES / Buffer.byteLength(invalid));
    for (const { index, errors } of rejected) {
      if (index <= detailed)
        expect(errors.map((error) => error.path)).toEqual(['/order_id', '/amount', '/currency', '/placed_at']);
      else {
        expect(errors).toEqual([
          { path: '/order_id', message: expect.any(String) },
          { path: '', message: expect.stringContaining('further errors of this record are not listed') },
        ]);
      }
    }
  });
});
