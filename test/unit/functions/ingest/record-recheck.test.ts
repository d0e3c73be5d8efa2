import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recheckRecord } from '#functions/ingest/record-recheck';
import exampleTenant from '#tenants/example';
import { bodyOf, ingestHarness } from './ingest-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const orders = exampleTenant.streams.orders;
const events = exampleTenant.streams.events;
const profiles = exampleTenant.streams.profiles;

const orderLike = fc
  .record({
    order_id: fc.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.integer()),
    customer_id: fc.string({ maxLength: 3 }),
    amount: fc.oneof(fc.double({ noNaN: true }), fc.string({ maxLength: 3 })),
    currency: fc.constantFrom('EUR', 'usd', 'GBP'),
    placed_at: fc.constantFrom('2025-01-01T10:00:00Z', 'yesterday'),
  })
  .map((order) => JSON.stringify(order));

const recordText = fc.oneof(orderLike, fc.json(), fc.string(), fc.constantFrom('<a>1</a>', '<!DOCTYPE a><a/>', ' '));

describe('recheckRecord', () => {
  it('passes a record exactly when a post of it is accepted, with the bytes the post stored', async () => {
    const { delivery, post } = ingestHarness();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('orders', 'events', 'profiles'), recordText, async (streamId, text) => {
        delivery.batches.length = 0;
        const xml = streamId === 'profiles';
        const response = await post({
          stream: streamId,
          body: text,
          contentType: xml ? 'application/xml' : 'application/json',
        });
        const stream = { orders, events, profiles }[streamId];
        if (!stream) throw new Error(`no stream ${streamId}`);
        const outcome = recheckRecord(stream, text);
        // A post of an array to a batch stream is a batch, whose dead letters are its records one
        // by one: no dead letter holds the array itself, so it has no recheck to agree with.
        if (streamId === 'events' && text.trim().startsWith('[')) return;
        if (response.statusCode === 202) {
          expect(outcome.passed).toBe(true);
          const stored = delivery.batches.find((batch) => batch.channel === 'records')?.records ?? [];
          const rechecked = outcome.passed ? outcome.records.map((record) => Buffer.from(record.framed)) : [];
          expect(rechecked).toEqual(stored.map((record) => Buffer.from(record)));
        } else if (response.statusCode === 400) {
          expect(outcome.passed).toBe(false);
          const type = bodyOf(response).type as string;
          if (!outcome.passed && type !== 'urn:sluice:problem:batch-rejected') {
            expect(type).toBe(`urn:sluice:problem:${outcome.slug}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes a record of exactly the stream maxBytes and refuses one byte more', () => {
    const small = { ...events, maxBytes: 20 } as NonNullable<typeof events>;
    const fits = `{"a":"${'x'.repeat(12)}"}`;
    expect(Buffer.byteLength(fits)).toBe(20);
    expect(recheckRecord(small, fits).passed).toBe(true);
    expect(recheckRecord(small, `${fits} `)).toMatchObject({ passed: false, slug: 'payload-too-large' });
  });

  it('gives one record per matching element for an XML document on a stream with records', () => {
    if (!profiles) throw new Error('the example tenant has no profiles stream');
    const document = '<records><record><id>1</id></record><record><id>2</id></record></records>';
    const multi = { ...profiles, records: '/records/record' };
    const outcome = recheckRecord(multi, document);
    expect(outcome.passed && outcome.records.length).toBe(2);
    expect(recheckRecord(profiles, document).passed && recheckRecord(profiles, document)).toMatchObject({
      records: [expect.anything()],
    });
    expect(recheckRecord(multi, '<records><other/></records>')).toMatchObject({ passed: false });
  });
});
