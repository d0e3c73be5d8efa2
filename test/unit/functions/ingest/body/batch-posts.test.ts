import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { problemType } from '#shared/contract/errors';
import { MAX_BATCH_RECORDS } from '#shared/contract/ingest-limits';
import { bodyOf, ingestHarness } from '../ingest-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('batch posts', () => {
  it('accepts NDJSON, answering accepted and rejected records by index', async () => {
    const { delivery, post } = ingestHarness();
    const body = '{"a":1}\r\n\n[1]\n{"b":12345678901234567890}\n{"c":\n';
    const response = await post({ contentType: 'application/x-ndjson', body });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({
      status: 'accepted',
      stream: 'events',
      records: 2,
      receipt: expect.any(String),
      accepted: 2,
      rejected: [
        { index: 1, errors: [{ path: '', message: expect.stringContaining('JSON object') }] },
        { index: 3, errors: [{ path: '', message: expect.stringContaining('not valid JSON') }] },
      ],
    });
    expect(delivery.texts()).toEqual(['{"a":1}\n', '{"b":12345678901234567890}\n']);
  });

  it('accepts a JSON array, storing each element as posted', async () => {
    const { delivery, post } = ingestHarness();
    const body = '[ {"a": 1.0,\n "s": "x,]}"} , {"b":[1,{"c":2}]}, "no", {"__proto__":{"p":1}} ]';
    const response = await post({ body });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ records: 3, accepted: 3, rejected: [{ index: 2 }] });
    expect(delivery.texts()).toEqual(['{"a": 1.0, "s": "x,]}"}\n', '{"b":[1,{"c":2}]}\n', '{"__proto__":{"p":1}}\n']);
  });

  it('takes a single JSON object as one record on a batch stream', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ body: '{"one":1}' });
    expect(bodyOf(response)).toEqual({ status: 'accepted', stream: 'events', records: 1, receipt: expect.any(String) });
    expect(delivery.texts()).toEqual(['{"one":1}\n']);
  });

  it('answers 400 with every rejection when no record was accepted', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ contentType: 'application/x-ndjson', body: '1\n"x"\n' });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      type: problemType('batch-rejected'),
      rejected: [{ index: 0 }, { index: 1 }],
    });
    expect(delivery.texts()).toEqual([]);
  });

  it.each([
    ['an empty array', '[]', 'application/json'],
    ['NDJSON with blank lines only', '\n\n', 'application/x-ndjson'],
  ])('answers 400 for %s', async (_, body, contentType) => {
    const { post } = ingestHarness();
    expect((await post({ body, contentType })).statusCode).toBe(400);
  });

  it(`answers 400 for a batch of more than ${MAX_BATCH_RECORDS} records`, async () => {
    const { delivery, post } = ingestHarness();
    const body = '{}\n'.repeat(MAX_BATCH_RECORDS + 1);
    const response = await post({ contentType: 'application/x-ndjson', body });
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).detail)).toContain(String(MAX_BATCH_RECORDS));
    expect(delivery.batches).toHaveLength(0);
    const full = await post({ contentType: 'application/x-ndjson', body: '{}\n'.repeat(MAX_BATCH_RECORDS) });
    expect(bodyOf(full)).toMatchObject({ records: MAX_BATCH_RECORDS });
  });
});

describe('counting the records of an NDJSON body', () => {
  // Lines of one record, or blank in any way String.prototype.trim sees blank (CR, tabs, Unicode spaces).
  const blank = fc.constantFrom('', ' ', '\r', '\t \r', '\u00a0', '\u2003', '\ufeff', '\u3000\t');
  // Records, and lines that are not records (each refused on its own, still counted).
  const record = fc.constantFrom('{}', ' {"a":1}', '{"b":"\u2003"}\r', '\t{"c":[1]} ', '1', 'x', '\u00a0{}');

  it('counts a record on every line with anything but white space on it, as the split lines are read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(blank, record), { maxLength: 40 }), async (lines) => {
        const { post } = ingestHarness();
        const text = lines.join('\n');
        const response = await post({ contentType: 'application/x-ndjson', body: text });
        const body = bodyOf(response);
        const records = lines.filter((line) => line.trim() !== '').length;
        const rejected = Array.isArray(body.rejected) ? body.rejected.length : 0;
        if (records > 0) expect(Number(body.accepted ?? 0) + rejected).toBe(records);
        else if (text.trim() === '') expect(body.detail).toMatch(/^The body is empty/);
        else expect(body.detail).toBe('The batch holds no records.');
      }),
      { numRuns: 150 },
    );
  });

  it(`takes ${MAX_BATCH_RECORDS} records between blank lines and refuses ${MAX_BATCH_RECORDS + 1}`, async () => {
    const { post } = ingestHarness();
    const lines = (count: number) => `\r\n${'{}\n\u00a0\n'.repeat(count)}\t`;
    expect(bodyOf(await post({ contentType: 'application/x-ndjson', body: lines(MAX_BATCH_RECORDS) }))).toMatchObject({
      records: MAX_BATCH_RECORDS,
    });
    expect(bodyOf(await post({ contentType: 'application/x-ndjson', body: lines(MAX_BATCH_RECORDS + 1) })).detail).toBe(
      `The batch holds ${MAX_BATCH_RECORDS + 1} records; a batch post takes at most ${MAX_BATCH_RECORDS}.`,
    );
  });
});

describe('a JSON array posted to a stream without batch: true', () => {
  const order =
    '{"order_id":"o-1","customer_id":"c-9","amount":12.5,"currency":"EUR","placed_at":"2025-01-01T10:00:00Z"}';

  it('answers 400 saying the stream takes one object per request and how to send batches, not schema errors', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'orders', body: `[${order},${order}]` });
    expect(response.statusCode).toBe(400);
    const body = bodyOf(response);
    expect(body).toMatchObject({ type: problemType('malformed-body') });
    expect(body.detail).toBe(
      'Stream orders takes one JSON object per request, not an array. To send several records, post each one ' +
        'on its own, or set batch: true on the stream in the tenant config and post a JSON array or NDJSON.',
    );
    expect(body).not.toHaveProperty('errors');
    expect(delivery.texts()).toEqual([]);
  });
});
