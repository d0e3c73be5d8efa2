import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineTenant } from '#shared/config/tenant-config';
import { MAX_PROBLEM_BODY_BYTES, MAX_RECORD_BYTES } from '#shared/contract/contract';
import { bodyOf, ingestHarness } from './ingest-fixtures.ts';

/** Dead-letter streams with a body limit large enough for input quoted back at length. */
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    strict: { payload: 'json', schema: v.strictObject({ a: v.string() }), deadLetter: true, maxBytes: 400_000 },
    xml: { payload: 'xml', deadLetter: true, maxBytes: 400_000 },
    events: { payload: 'json', batch: true, maxBytes: MAX_RECORD_BYTES },
  },
});

const UNCLOSED_TAGS = '<a>'.repeat(110_000);
const LONG_KEY_RECORD = `{"${'k'.repeat(345_000)}":1}`;

function byteSize(response: { body?: string | undefined }): number {
  return Buffer.byteLength(response.body ?? '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('answers to input that an error would quote at length', () => {
  it('answers 400 within a second to 110,000 unclosed XML tags on a dead-letter stream', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    const started = Date.now();
    const response = await post({ stream: 'xml', contentType: 'application/xml', body: UNCLOSED_TAGS });
    expect(response.statusCode).toBe(400);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(delivery.texts('dead-letter')).toHaveLength(1);
  });

  it('answers 400 within a second to a record with a 345,000-character key on a strict dead-letter stream', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    const started = Date.now();
    const response = await post({ stream: 'strict', body: LONG_KEY_RECORD });
    expect(response.statusCode).toBe(400);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(byteSize(response)).toBeLessThanOrEqual(MAX_PROBLEM_BODY_BYTES);
    // A record over the request's budget for listing every error gets its first one and a note
    // (record-validation.ts), so the long key is not quoted at all.
    expect(bodyOf(response).errors).toEqual([
      { path: '/a', message: expect.any(String) },
      { path: '', message: expect.stringContaining('further errors of this record are not listed') },
    ]);
    const entry = JSON.parse(delivery.texts('dead-letter')[0] ?? '');
    expect(entry).toMatchObject({ record: LONG_KEY_RECORD });
    expect(entry.record_truncated).toBeUndefined();
  });

  it('keeps a quoted path whose JSON is 256 bytes and shortens one of 257 bytes', async () => {
    const { post } = ingestHarness({ tenant });
    const kept = bodyOf(await post({ stream: 'strict', body: `{"a":"x","${'k'.repeat(253)}":1}` }));
    const cut = bodyOf(await post({ stream: 'strict', body: `{"a":"x","${'k'.repeat(254)}":1}` }));
    const [keptError] = kept.errors as { path: string }[];
    const [cutError] = cut.errors as { path: string }[];
    expect(keptError?.path).toBe(`/${'k'.repeat(253)}`);
    expect(cutError?.path).toMatch(/^\/k+… \(shortened\)$/);
    expect(JSON.stringify(cutError?.path).length).toBeLessThanOrEqual(256);
    expect(cut.truncated).toBe(true);
  });

  it('keeps the answer to 250 unclosed tags with 1,000-character names under 16 KiB', async () => {
    const { post } = ingestHarness({ tenant });
    const body = `<${'n'.repeat(1_000)}>`.repeat(250);
    const response = await post({ stream: 'xml', contentType: 'application/xml', body });
    expect(response.statusCode).toBe(400);
    expect(byteSize(response)).toBeLessThanOrEqual(MAX_PROBLEM_BODY_BYTES);
    expect(String(bodyOf(response).detail)).toMatch(
      /^The body is not well-formed XML: <n+… \(shortened\)> is not closed \(line 1\)\.$/,
    );
  });

  it('names a 130,000-character tag shortened, so the answer and the log line say what is wrong in a few hundred bytes', async () => {
    const { post, lines } = ingestHarness({ tenant });
    const name = 'n'.repeat(130_000);
    const response = await post({ stream: 'xml', contentType: 'application/xml', body: `<r><${name}></${name}x></r>` });
    expect(response.statusCode).toBe(400);
    const detail = String(bodyOf(response).detail);
    expect(detail).toMatch(
      /^The body is not well-formed XML: the end tag <\/n+… \(shortened\)> does not close <n+… \(shortened\)>, opened on line 1/,
    );
    expect(Buffer.byteLength(detail)).toBeLessThan(300);
    expect(bodyOf(response).truncated).toBeUndefined();
    const refused = lines().filter((line) => line.includes('"request refused"'));
    expect(refused).toHaveLength(1);
    expect(Buffer.byteLength(refused[0] ?? '')).toBeLessThan(1_024);
  });

  it('quotes a 300,000-digit character reference and a 300,000-character encoding cut, as it quotes names', async () => {
    const { post } = ingestHarness({ tenant });
    const bodies = [`<r>&#${'0'.repeat(300_000)}1;</r>`, `<?xml version="1.0" encoding="${'x'.repeat(300_000)}"?><r/>`];
    for (const body of bodies) {
      const response = await post({ stream: 'xml', contentType: 'application/xml', body });
      expect(response.statusCode).toBe(400);
      const detail = String(bodyOf(response).detail);
      expect(detail).toContain('… (shortened)');
      expect(Buffer.byteLength(detail)).toBeLessThan(300);
    }
  });

  it('bounds the refused line of an unknown stream id of 4,000 characters', async () => {
    const { post, lines } = ingestHarness({ tenant });
    const response = await post({ stream: 's'.repeat(4_000), body: '{}' });
    expect(response.statusCode).toBe(404);
    const [refused] = lines().filter((line) => line.includes('"request refused"'));
    expect(JSON.parse(refused ?? '{}').stream).toMatch(/^s+… \(shortened\)$/);
    expect(Buffer.byteLength(refused ?? '')).toBeLessThan(2_048);
  });

  it('keeps the answer to a batch of 500 rejected records under 16 KiB and says it was shortened', async () => {
    const { post } = ingestHarness({ tenant });
    const body = `[${Array.from({ length: 500 }, (_, index) => index).join(',')}]`;
    const response = await post({ body });
    expect(response.statusCode).toBe(400);
    expect(byteSize(response)).toBeLessThanOrEqual(MAX_PROBLEM_BODY_BYTES);
    const problem = bodyOf(response);
    expect(problem.truncated).toBe(true);
    const rejected = problem.rejected as { index: number }[];
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length).toBeLessThan(500);
    expect(rejected[0]?.index).toBe(0);
  });

  it('does not mark an answer that quotes nothing long as shortened', async () => {
    const { post } = ingestHarness({ tenant });
    const problem = bodyOf(await post({ stream: 'strict', body: '{"a":1}' }));
    expect(problem.errors).toHaveLength(1);
    expect(problem.truncated).toBeUndefined();
  });

  it('dead-letters the whole XML record, its reason naming the long tag shortened', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    const body = `<${'n'.repeat(1_000)}>`.repeat(250);
    await post({ stream: 'xml', contentType: 'application/xml', body });
    const entry = JSON.parse(delivery.texts('dead-letter')[0] ?? '');
    expect(entry.record).toBe(body);
    expect(entry.reasons).toEqual([{ path: '', message: expect.stringMatching(/<n+… \(shortened\)> is not closed/) }]);
    expect(JSON.stringify(entry.reasons).length).toBeLessThan(1_024);
  });
});
