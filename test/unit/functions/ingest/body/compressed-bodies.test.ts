import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { decode } from 'cbor-x';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAX_BYTES, MAX_COMPRESSED_BODY_BYTES } from '#shared/contract/contract';
import { bodyOf, type EventOptions, ingestHarness } from '../ingest-fixtures.ts';

const compressors = { gzip: gzipSync, deflate: deflateSync } as const;

/**
 * A compressed post exactly as the HTTP API hands it to the function: the compressed bytes
 * base64-encoded with `isBase64Encoded: true`, and the client's Content-Length (the compressed size).
 */
function compressedPost(
  options: { stream?: string; contentType?: string; coding?: string },
  compressed: Uint8Array,
): EventOptions {
  return {
    stream: options.stream ?? 'events',
    contentType: options.contentType ?? 'application/json',
    body: Buffer.from(compressed).toString('base64'),
    isBase64Encoded: true,
    headers: { 'content-encoding': options.coding ?? 'gzip', 'content-length': String(compressed.byteLength) },
  };
}

/** A JSON object whose text is exactly `bytes` long. */
const jsonOfSize = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

const ORDER =
  '{"order_id":"o-1","customer_id":"c-9","amount":12.5,"currency":"EUR","placed_at":"2025-01-01T10:00:00Z"}';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a gzip or deflate body', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['GZIP', gzipSync],
  ] as const)('is inflated and stored as posted with Content-Encoding %s (%o)', async (coding, compress) => {
    const { post, delivery } = ingestHarness();
    const response = await post(compressedPost({ stream: 'orders', coding }, compress(ORDER)));
    expect(response.statusCode).toBe(202);
    expect(delivery.texts()).toEqual([`${ORDER}\n`]);
  });

  it('splits a gzip NDJSON batch into its records and lists the rejected one', async () => {
    const { post, delivery } = ingestHarness();
    const ndjson = '{"a":1}\n42\n{"b":2}\n';
    const response = await post(
      compressedPost({ stream: 'events', contentType: 'application/x-ndjson' }, gzipSync(ndjson)),
    );
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ records: 2, accepted: 2, rejected: [{ index: 1 }] });
    expect(delivery.texts()).toEqual(['{"a":1}\n', '{"b":2}\n']);
  });

  it('lands a gzip XML document on an XML stream as its CBOR item', async () => {
    const { post, delivery } = ingestHarness();
    const xml = '<profile id="7"><name>Ada</name></profile>';
    const response = await post(compressedPost({ stream: 'profiles', contentType: 'application/xml' }, gzipSync(xml)));
    expect(response.statusCode).toBe(202);
    const [item] = delivery.batches.flatMap((batch) => batch.records);
    expect(decode(item ?? new Uint8Array())).toEqual({ profile: { name: 'Ada', '@id': '7' } });
  });
});

describe('the limits of a compressed body', () => {
  it.each(Object.entries(compressors))(
    'accepts %s that inflates to exactly maxBytes, and answers 413 at one byte more',
    async (coding, compress) => {
      const { post, delivery } = ingestHarness();
      const atLimit = await post(compressedPost({ coding }, compress(jsonOfSize(DEFAULT_MAX_BYTES))));
      expect(atLimit.statusCode).toBe(202);
      const over = compress(jsonOfSize(DEFAULT_MAX_BYTES + 1));
      const response = await post(compressedPost({ coding }, over));
      expect(response.statusCode).toBe(413);
      const problem = bodyOf(response);
      expect(problem).toMatchObject({
        type: 'urn:sluice:problem:payload-too-large',
        limit_bytes: DEFAULT_MAX_BYTES,
        compressed_size_bytes: over.byteLength,
        compressed_limit_bytes: MAX_COMPRESSED_BODY_BYTES,
      });
      expect(problem).not.toHaveProperty('size_bytes');
      expect(problem.detail).toBe(
        `The ${coding} body is ${over.byteLength} bytes compressed and more than ${DEFAULT_MAX_BYTES} bytes decompressed; this stream takes at most ${DEFAULT_MAX_BYTES} bytes.`,
      );
      expect(delivery.batches).toHaveLength(1);
    },
  );

  it('answers 413 to a 10 MB bomb of zeros, with its compressed size, and delivers nothing', async () => {
    const { post, delivery } = ingestHarness();
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    const response = await post(compressedPost({ stream: 'orders' }, bomb));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ compressed_size_bytes: bomb.byteLength, limit_bytes: DEFAULT_MAX_BYTES });
    expect(delivery.batches).toEqual([]);
  });

  it('stops inflating once the output passes the limit: a bomb whose checksum is broken is 413, not 400', async () => {
    const { post } = ingestHarness();
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    // Inflating to the end would reach the broken CRC-32 in the trailer and answer 400.
    const brokenTrailer = Buffer.concat([bomb.subarray(0, -8), Buffer.alloc(8, 0xee)]);
    expect((await post(compressedPost({}, brokenTrailer))).statusCode).toBe(413);
    const small = gzipSync('{"a":1}');
    const brokenSmall = Buffer.concat([small.subarray(0, -8), Buffer.alloc(8, 0xee)]);
    expect((await post(compressedPost({}, brokenSmall))).statusCode).toBe(400);
  });

  it('inflates a compressed body of exactly the compressed cap, and answers 413 at one byte more before inflating', async () => {
    const { post } = ingestHarness();
    // Random bytes behind a gzip header: inflation is tried (and fails) only within the cap.
    const atCap = Buffer.concat([gzipSync('').subarray(0, 10), randomBytes(MAX_COMPRESSED_BODY_BYTES - 10)]);
    const inflated = await post(compressedPost({}, atCap));
    expect(inflated.statusCode).toBe(400);
    const overCap = Buffer.concat([atCap, Buffer.from([0])]);
    const response = await post(compressedPost({}, overCap));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({
      compressed_size_bytes: MAX_COMPRESSED_BODY_BYTES + 1,
      compressed_limit_bytes: MAX_COMPRESSED_BODY_BYTES,
      limit_bytes: DEFAULT_MAX_BYTES,
    });
    expect(bodyOf(response).detail).toContain(`at most ${MAX_COMPRESSED_BODY_BYTES} compressed bytes`);
  });

  it('answers 413 from the declared Content-Length of a compressed body over the cap', async () => {
    const { post } = ingestHarness();
    const event = compressedPost({}, gzipSync('{"a":1}'));
    const response = await post({
      ...event,
      headers: { ...event.headers, 'content-length': String(MAX_COMPRESSED_BODY_BYTES + 1) },
    });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).compressed_size_bytes).toBe(MAX_COMPRESSED_BODY_BYTES + 1);
  });

  it('holds an uncompressed body to maxBytes as before, with its size', async () => {
    const { post } = ingestHarness();
    const response = await post({ body: jsonOfSize(DEFAULT_MAX_BYTES + 1) });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ limit_bytes: DEFAULT_MAX_BYTES, size_bytes: DEFAULT_MAX_BYTES + 1 });
    expect(bodyOf(response)).not.toHaveProperty('compressed_size_bytes');
  });
});

describe('a broken compressed body', () => {
  const gzipped = gzipSync(ORDER);

  it.each([
    ['corrupt', Buffer.concat([gzipped.subarray(0, 12), Buffer.alloc(gzipped.length - 12, 0xff)]), 'gzip'],
    ['truncated', gzipped.subarray(0, gzipped.length - 6), 'gzip'],
    ['followed by other bytes', Buffer.concat([gzipped, Buffer.from('trailing')]), 'gzip'],
    ['not compressed at all', Buffer.from(ORDER), 'gzip'],
    ['empty', Buffer.alloc(0), 'gzip'],
    ['truncated', deflateSync(ORDER).subarray(0, 10), 'deflate'],
    ['followed by NUL padding', Buffer.concat([gzipped, Buffer.alloc(16)]), 'gzip'],
    ['followed by one NUL byte', Buffer.concat([gzipped, Buffer.alloc(1)]), 'gzip'],
    ['a zlib stream followed by other bytes', Buffer.concat([deflateSync(ORDER), Buffer.from('GARBAGE')]), 'deflate'],
    ['a zlib stream followed by one NUL byte', Buffer.concat([deflateSync(ORDER), Buffer.alloc(1)]), 'deflate'],
    ['raw deflate followed by other bytes', Buffer.concat([deflateRawSync(ORDER), Buffer.from('GARBAGE')]), 'deflate'],
  ])('answers 400 when it is %s (%s), and dead-letters nothing', async (_, bytes, coding) => {
    const { post, delivery } = ingestHarness();
    const response = await post(compressedPost({ stream: 'orders', coding }, bytes));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ type: 'urn:sluice:problem:malformed-body' });
    expect(String(bodyOf(response).detail)).toContain(`not valid ${coding} data`);
    expect(delivery.batches).toEqual([]);
  });

  it('answers 400 to invalid UTF-8 inside it, even as application/json', async () => {
    const { post } = ingestHarness();
    const response = await post(compressedPost({ stream: 'orders' }, gzipSync(Buffer.from([0x7b, 0xff, 0x7d]))));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe('The body is not valid UTF-8.');
  });

  it('answers 415 to an unknown coding before inflating anything', async () => {
    const { post } = ingestHarness();
    const response = await post(compressedPost({ coding: 'br' }, gzipSync('{"a":1}')));
    expect(response.statusCode).toBe(415);
  });
});

describe('gzip(body) and body', () => {
  /** The answer without what differs per request. */
  const answer = (response: { statusCode?: number | undefined; body?: string | undefined }) => {
    const { receipt: _receipt, ...rest } = bodyOf(response);
    return { status: response.statusCode, body: rest };
  };

  it('get the same answer on every stream', async () => {
    const { post } = ingestHarness();
    const bodies = fc.oneof(
      fc.json(),
      fc.string(),
      fc.array(fc.json(), { maxLength: 5 }).map((lines) => lines.join('\n')),
      fc.constantFrom(ORDER, '<a><b>x</b></a>', '<!DOCTYPE a><a/>', '[{"a":1},2]'),
    );
    const targets = fc.constantFrom(
      { stream: 'orders', contentType: 'application/json' },
      { stream: 'events', contentType: 'application/json' },
      { stream: 'events', contentType: 'application/x-ndjson' },
      { stream: 'profiles', contentType: 'application/xml' },
    );
    await fc.assert(
      fc.asyncProperty(bodies, targets, async (text, target) => {
        // NDJSON reaches the function base64-encoded even uncompressed; JSON and XML as text.
        const isText = target.contentType !== 'application/x-ndjson';
        const plain = await post({
          ...target,
          body: isText ? text : Buffer.from(text).toString('base64'),
          isBase64Encoded: !isText,
        });
        const gzipped = await post(compressedPost(target, gzipSync(text)));
        expect(answer(gzipped)).toEqual(answer(plain));
      }),
      { numRuns: 150 },
    );
  });
});
