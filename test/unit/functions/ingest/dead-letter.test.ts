import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { DownstreamUnavailableError, problemType } from '#shared/contract/errors';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import { Order } from '#tenants/example';
import { bodyOf, capturedLogger, ingestEvent, ingestHarness, lambdaContext } from './ingest-fixtures.ts';

/** A delivery whose every call stays pending until the test releases it. */
class HeldDelivery implements RecordDelivery {
  readonly batches: DeliveryBatch[] = [];
  private readonly held: (() => void)[] = [];

  deliver(batch: DeliveryBatch): Promise<void> {
    this.batches.push(batch);
    return new Promise((resolve) => this.held.push(resolve));
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('dead-letter records', () => {
  it('sends a rejected record with its reasons and request id as one NDJSON line', async () => {
    const { delivery, post } = ingestHarness();
    const posted = '{"order_id": "o-1", "amount": 12345678901234567890}';
    const response = await post({ stream: 'orders', body: posted });
    expect(response.statusCode).toBe(400);
    const [line, ...more] = delivery.texts('dead-letter');
    expect(more).toEqual([]);
    expect(line?.endsWith('\n')).toBe(true);
    const entry = JSON.parse(line ?? '');
    expect(entry).toEqual({
      tenant: 'example',
      stream: 'orders',
      request_id: 'req-1',
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      problem: problemType('schema-violation'),
      reasons: bodyOf(response).errors,
      record: posted,
    });
  });

  it('keeps a malformed record as the posted text', async () => {
    const { delivery, post } = ingestHarness();
    const posted = '{"order_id": "o-1",\n "amount": 1e999999, oops';
    await post({ stream: 'orders', body: posted });
    expect(JSON.parse(delivery.texts('dead-letter')[0] ?? '').record).toBe(posted);
  });

  it('sends only the rejected records of a batch, with their index', async () => {
    const config = defineTenant({
      tenant: 'example',
      auth: { issuer: 'self' },
      streams: { events: { payload: 'json', batch: true, deadLetter: true } },
    });
    const { delivery, post } = ingestHarness({ tenant: config });
    const response = await post({ contentType: 'application/x-ndjson', body: '{"a":1}\n42\n{"b":2}\n' });
    expect(response.statusCode).toBe(202);
    expect(delivery.texts()).toEqual(['{"a":1}\n', '{"b":2}\n']);
    const lines = delivery.texts('dead-letter').map((line) => JSON.parse(line));
    expect(lines).toMatchObject([{ index: 1, record: '42', stream: 'events' }]);
  });

  it('answers 400 and logs an error when the dead-letter delivery fails', async () => {
    const { delivery, post, lines } = ingestHarness();
    delivery.failure = (batch) =>
      batch.channel === 'dead-letter' ? new DownstreamUnavailableError('dead-letter stream down') : undefined;
    const response = await post({ stream: 'orders', body: '{"order_id": 1}' });
    expect(response.statusCode).toBe(400);
    expect(
      lines().some((line) => line.includes('"level":"ERROR"') && line.includes('dead-letter delivery failed')),
    ).toBe(true);
  });

  it.each([
    ['a single record', 'orders', '{"order_id": 1}'],
    ['a batch whose every record is rejected', 'events', '[1, 2]'],
  ])('answers %s that is rejected only after the dead-letter write settled', async (_, stream, body) => {
    const config = defineTenant({
      tenant: 'example',
      auth: { issuer: 'self' },
      streams: {
        orders: { payload: 'json', schema: Order, deadLetter: true },
        events: { payload: 'json', batch: true, deadLetter: true },
      },
    });
    const delivery = new HeldDelivery();
    const handler = createIngestHandler({ tenant: config, delivery, logger: capturedLogger().logger });
    let answered = false;
    const answer = handler(ingestEvent({ stream, body }), lambdaContext()).then((response) => {
      answered = true;
      return response;
    });
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect(delivery.batches.map((batch) => batch.channel)).toEqual(['dead-letter']);
    expect(answered).toBe(false);
    delivery.release();
    expect((await answer).statusCode).toBe(400);
  });

  it('sends nothing to a dead-letter stream for a stream without one', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'events', body: '[1]' });
    expect(response.statusCode).toBe(400);
    expect(delivery.batches).toEqual([]);
  });
});
