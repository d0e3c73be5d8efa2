import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import type { IdempotencyStore, KeyedWork } from '#functions/ingest/idempotency/idempotent-answers';
import { SavedAnswers } from '#functions/ingest/idempotency/key-completions';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '#local/embedded/embedded-dynamodb';
import { defineTenant, type TenantConfig } from '#shared/config/tenant-config';
import { validatePath } from '#shared/contract/contract';
import { DeadlineExceededError, DownstreamThrottledError } from '#shared/contract/errors';
import type { DeliveryBatch } from '#shared/ports/delivery-port';
import exampleTenant from '#tenants/example';
import { tempHome } from '../../../../e2e/support/temp-home.ts';
import {
  bodyOf,
  capturedLogger,
  type EventOptions,
  ingestEvent,
  lambdaContext,
  RecordingDelivery,
} from '../ingest-fixtures.ts';

let home: Awaited<ReturnType<typeof tempHome>>;
let database: EmbeddedDynamoDb;

beforeAll(async () => {
  home = await tempHome();
  database = await startEmbeddedDynamoDb(`${home.root}/dynamodb`);
});

afterAll(async () => {
  await database.close();
  await home.remove();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A delivery that can hold its next call until released, and counts the batches it acknowledged. */
class GatedDelivery extends RecordingDelivery {
  private gate: Promise<void> | undefined;
  private open: () => void = () => {};
  readonly acknowledged: DeliveryBatch[] = [];
  /** Calls that reached the delivery, held or not. */
  entered = 0;

  holdNext(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  override async deliver(batch: DeliveryBatch): Promise<void> {
    this.entered++;
    const gate = this.gate;
    this.gate = undefined;
    await gate;
    await super.deliver(batch);
    this.acknowledged.push(batch);
  }

  /** Records acknowledged on a channel. */
  landed(channel: DeliveryBatch['channel'] = 'records'): number {
    return this.acknowledged.filter((batch) => batch.channel === channel).reduce((n, b) => n + b.records.length, 0);
  }
}

function harness(
  tenant: TenantConfig = exampleTenant,
  remainingMs?: number,
  onAnswerSaved?: IdempotencyStore['onAnswerSaved'],
) {
  const delivery = new GatedDelivery();
  const { logger, lines } = capturedLogger();
  const handler = createIngestHandler({
    tenant,
    delivery,
    logger,
    idempotency: {
      client: database.client(),
      tableName: database.idempotencyTable,
      ...(onAnswerSaved ? { onAnswerSaved } : {}),
    },
  });
  const post = (event: EventOptions & { key?: string }, routeKey?: string) => {
    const { key, ...options } = event;
    const built = ingestEvent({
      ...options,
      headers: { ...options.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    });
    if (routeKey) Object.assign(built, { routeKey, requestContext: { ...built.requestContext, routeKey } });
    return handler(built, lambdaContext(remainingMs));
  };
  return { delivery, post, lines };
}

const order = (id: string) =>
  JSON.stringify({ order_id: id, customer_id: 'c-1', amount: 5, currency: 'EUR', placed_at: '2025-01-01T00:00:00Z' });

describe('a post with an Idempotency-Key', () => {
  it('is delivered once: the repeat answers the first 202 again, same receipt, marked as replayed', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const first = await post({ stream: 'orders', body: order('o-1'), key });
    const again = await post({ stream: 'orders', body: order('o-1'), key });
    expect(first.statusCode).toBe(202);
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(again.statusCode).toBe(202);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(again.headers?.['content-type']).toBe('application/json');
    expect(again.body).toBe(first.body);
    expect(bodyOf(again).receipt).toBe(bodyOf(first).receipt);
    expect(delivery.landed()).toBe(1);
  });

  it('tells the store of a first answer once it is saved, under the id its journaled records carry; a replay tells nothing', async () => {
    const saved = new SavedAnswers();
    const noted: KeyedWork[] = [];
    const { delivery, post } = harness(exampleTenant, undefined, (keyed) => {
      noted.push(keyed);
      saved.note(keyed);
    });
    const key = randomUUID();
    await post({ stream: 'orders', body: order('o-saved'), key });
    await post({ stream: 'orders', body: order('o-saved'), key });
    expect(noted).toEqual([expect.objectContaining({ streamId: 'orders', key })]);
    // The answer the delivery journals with the records names the same key: local mode then skips reading it.
    const completes = delivery.acknowledged[0]?.completes;
    expect(completes).toBeDefined();
    expect(completes && saved.take(completes)).toBe(true);
  });

  it('is delivered each time without the header, as before', async () => {
    const { delivery, post } = harness();
    const first = await post({ stream: 'orders', body: order('o-2') });
    const second = await post({ stream: 'orders', body: order('o-2') });
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(bodyOf(second).receipt).not.toBe(bodyOf(first).receipt);
    expect(delivery.landed()).toBe(2);
  });

  it('answers 422 for the same key with a different body, and delivers nothing for it', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    await post({ stream: 'orders', body: order('o-3'), key });
    const other = await post({ stream: 'orders', body: order('o-4'), key });
    expect(other.statusCode).toBe(422);
    expect(other.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(other)).toMatchObject({ type: 'urn:sluice:problem:idempotency-key-reused', status: 422 });
    expect(delivery.texts()).toEqual([`${order('o-3')}\n`]);
  });

  it('compares the decoded body: the same bytes posted as base64 are the same body', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const body = '{"a":1}\n{"a":2}';
    await post({ stream: 'events', contentType: 'application/x-ndjson', body, key });
    const again = await post({
      stream: 'events',
      contentType: 'application/x-ndjson',
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      key,
    });
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(delivery.landed()).toBe(2);
  });

  it('holds a key per stream: the same key on another stream is a first request there', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const events = await post({ stream: 'events', body: '{"a":1}', key });
    const orders = await post({ stream: 'orders', body: order('o-5'), key });
    expect([events.statusCode, orders.statusCode]).toEqual([202, 202]);
    expect(orders.headers?.['idempotent-replayed']).toBeUndefined();
    expect(delivery.landed()).toBe(2);
  });

  it('stores a 4xx as the first answer: the repeat replays the same 400 body and dead-letters nothing more', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const first = await post({ stream: 'orders', body: '{"order_id":""}', key });
    const again = await post({ stream: 'orders', body: '{"order_id":""}', key });
    expect(first.statusCode).toBe(400);
    expect(again.statusCode).toBe(400);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(delivery.landed('dead-letter')).toBe(1);
  });

  it('lands once when the first attempt timed out (504) and the retry worked', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    delivery.failure = () => new DeadlineExceededError('delivery timed out');
    const first = await post({ stream: 'orders', body: order('o-6'), key });
    delivery.failure = undefined;
    const retry = await post({ stream: 'orders', body: order('o-6'), key });
    const again = await post({ stream: 'orders', body: order('o-6'), key });
    expect([first.statusCode, retry.statusCode, again.statusCode]).toEqual([504, 202, 202]);
    expect(retry.headers?.['idempotent-replayed']).toBeUndefined();
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(delivery.landed()).toBe(1);
  });

  it('does not hold the key after a 429: the contract tells the client to retry it', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    delivery.failure = () => new DownstreamThrottledError('throttled', 1);
    const first = await post({ stream: 'events', body: '{"a":1}', key });
    delivery.failure = undefined;
    const retry = await post({ stream: 'events', body: '{"a":1}', key });
    expect([first.statusCode, retry.statusCode]).toEqual([429, 202]);
    expect(retry.headers?.['idempotent-replayed']).toBeUndefined();
    expect(delivery.landed()).toBe(1);
  });

  it('answers 409 with Retry-After while the first request is in flight, then replays its answer', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    delivery.holdNext();
    const first = post({ stream: 'events', body: '{"a":1}', key });
    // Delivery starts only after the in-progress record was written: the key is taken.
    await vi.waitFor(() => expect(delivery.entered).toBe(1));
    const inFlight = await post({ stream: 'events', body: '{"a":1}', key });
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.headers?.['retry-after']).toBe('1');
    expect(bodyOf(inFlight)).toMatchObject({
      type: 'urn:sluice:problem:idempotency-key-in-flight',
      retry_after_seconds: 1,
    });
    delivery.release();
    const answered = await first;
    const replay = await post({ stream: 'events', body: '{"a":1}', key });
    expect(answered.statusCode).toBe(202);
    expect(replay.body).toBe(answered.body);
    expect(delivery.landed()).toBe(1);
  });

  it('delivers 50 concurrent posts with one key once; the others replay the 202 or answer 409', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => post({ stream: 'events', body: '{"same":true}', key })),
    );
    const statuses = new Set(answers.map((answer) => answer.statusCode));
    expect([...statuses].every((status) => status === 202 || status === 409)).toBe(true);
    const receipts = new Set(answers.filter((a) => a.statusCode === 202).map((a) => bodyOf(a).receipt));
    expect(receipts.size).toBe(1);
    expect(delivery.landed()).toBe(1);
    const later = await post({ stream: 'events', body: '{"same":true}', key });
    expect(bodyOf(later).receipt).toEqual([...receipts][0]);
  });

  it('frees the key after the stream window: the same post a second past it lands again', async () => {
    const tenant = defineTenant({
      tenant: 'example',
      auth: { issuer: 'self' },
      streams: { events: { payload: 'json', idempotency: { windowSeconds: 60 } } },
    });
    const { delivery, post } = harness(tenant);
    const key = randomUUID();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const first = await post({ stream: 'events', body: '{"a":1}', key });
    vi.setSystemTime(start + 59_000);
    const within = await post({ stream: 'events', body: '{"a":1}', key });
    vi.setSystemTime(start + 61_000);
    const after = await post({ stream: 'events', body: '{"a":1}', key });
    expect(within.headers?.['idempotent-replayed']).toBe('true');
    expect(after.statusCode).toBe(202);
    expect(after.headers?.['idempotent-replayed']).toBeUndefined();
    expect(bodyOf(after).receipt).not.toBe(bodyOf(first).receipt);
    expect(delivery.landed()).toBe(2);
  });

  it('frees the key of a first request whose Lambda died, once the time it had left has passed', async () => {
    const { delivery, post } = harness(exampleTenant, 5_000);
    const key = randomUUID();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    delivery.holdNext();
    // Never answered: the Lambda is gone, its in-progress record stays behind.
    void post({ stream: 'events', body: '{"a":1}', key });
    await vi.waitFor(() => expect(delivery.entered).toBe(1));
    const blocked = await post({ stream: 'events', body: '{"a":1}', key });
    expect(blocked.statusCode).toBe(409);
    vi.setSystemTime(start + 6_000);
    const retried = await post({ stream: 'events', body: '{"a":1}', key });
    expect(retried.statusCode).toBe(202);
    expect(retried.headers?.['idempotent-replayed']).toBeUndefined();
    expect(delivery.landed()).toBe(1);
  });

  it('neither uses nor holds a key on a dry-run route', async () => {
    const { post } = harness();
    const key = randomUUID();
    const dryRunRoute = `POST ${validatePath('events')}`;
    await post({ stream: 'events', body: '{"a":1}', key }, dryRunRoute);
    const real = await post({ stream: 'events', body: '{"a":1}', key });
    expect(real.statusCode).toBe(202);
    expect(real.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('does not take the key for a request refused as another tenant’s (403)', async () => {
    const { delivery, post } = harness();
    const key = randomUUID();
    const foreign = await post({ stream: 'events', body: '{"a":1}', key, claims: { tenant: 'other' } });
    const own = await post({ stream: 'events', body: '{"a":1}', key });
    expect([foreign.statusCode, own.statusCode]).toEqual([403, 202]);
    expect(own.headers?.['idempotent-replayed']).toBeUndefined();
    expect(delivery.landed()).toBe(1);
  });
});

describe('a keyed post’s delivery', () => {
  const withDeadLetters = defineTenant({
    tenant: 'example',
    auth: { issuer: 'self' },
    streams: { events: { payload: 'json', batch: true, deadLetter: true } },
  });

  it('delivers its records last, after its dead letters, carrying the answer the key replays', async () => {
    const { delivery, post } = harness(withDeadLetters);
    const key = randomUUID();
    const body = '{"a":1}\n42\n';
    delivery.holdNext();
    const answer = post({ stream: 'events', contentType: 'application/x-ndjson', body, key });
    await vi.waitFor(() => expect(delivery.entered).toBeGreaterThan(0));
    delivery.release();
    const first = await answer;
    expect(first.statusCode).toBe(202);
    // The dead letters were held: the records went only after they were acknowledged.
    expect(delivery.batches.map((batch) => batch.channel)).toEqual(['dead-letter', 'records']);
    const [deadLetters, records] = delivery.acknowledged;
    expect(deadLetters?.completes).toBeUndefined();
    expect(records?.completes).toMatchObject({ streamId: 'events', key, answer: first });
  });

  it('carries no answer without the header, and sends its channels at once', async () => {
    const { delivery, post } = harness(withDeadLetters);
    delivery.holdNext();
    const answer = post({ stream: 'events', contentType: 'application/x-ndjson', body: '{"a":1}\n42\n' });
    // The dead letters are held: the records' delivery has started beside them all the same.
    await vi.waitFor(() => expect(delivery.entered).toBe(2));
    delivery.release();
    expect((await answer).statusCode).toBe(202);
    expect(delivery.acknowledged.every((batch) => batch.completes === undefined)).toBe(true);
  });
});

describe('the Idempotency-Key header', () => {
  it('takes 1 and 255 printable ASCII characters, and refuses 0 and 256 with a 400', async () => {
    const { post } = harness();
    const prefix = randomUUID();
    const answers = await Promise.all(
      ['!', prefix.padEnd(255, '~'), '', prefix.padEnd(256, '~')].map((key, i) =>
        post({ stream: 'events', body: `{"i":${i}}`, key }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([202, 202, 400, 400]);
    expect(bodyOf(answers[3] ?? {})).toMatchObject({
      type: 'urn:sluice:problem:invalid-idempotency-key',
      title: 'Invalid Idempotency-Key',
    });
  });

  it('answers 400 for any key with a character outside space to ~, and takes every key inside', async () => {
    const { delivery, post } = harness();
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 64,
    });
    const anyKey = fc.oneof(printable, fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }));
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        const valid = /^[\x20-\x7e]{1,255}$/.test(key);
        const answer = await post({
          stream: 'events',
          body: JSON.stringify({ key, n: randomUUID() }),
          key: `${valid ? randomUUID() : ''}${key}`,
        });
        expect(answer.statusCode).toBe(valid ? 202 : 400);
      }),
      { numRuns: 60 },
    );
    expect(delivery.landed()).toBeGreaterThan(0);
  });

  it('answers 500, and delivers nothing, when the handler has nowhere to keep keys', async () => {
    const delivery = new RecordingDelivery();
    const { logger } = capturedLogger();
    const handler = createIngestHandler({ tenant: exampleTenant, delivery, logger });
    const answer = await handler(
      ingestEvent({ stream: 'events', body: '{"a":1}', headers: { 'idempotency-key': 'k' } }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(500);
    expect(delivery.batches).toEqual([]);
  });
});

// The tenant config validates the window: a whole number of seconds, 1 to 7 days.
describe('a stream’s idempotency window', () => {
  it('defaults to 24 hours and refuses 0 and more than 7 days naming the field', () => {
    expect(exampleTenant.streams.orders?.idempotency.windowSeconds).toBe(86_400);
    const withWindow = (windowSeconds: number) => () =>
      defineTenant({
        tenant: 'example',
        auth: { issuer: 'self' },
        streams: { events: { payload: 'json', idempotency: { windowSeconds } } },
      });
    expect(withWindow(604_800)().streams.events?.idempotency.windowSeconds).toBe(604_800);
    expect(withWindow(1)().streams.events?.idempotency.windowSeconds).toBe(1);
    expect(withWindow(0)).toThrow(/streams\.events\.idempotency\.windowSeconds: windowSeconds must be at least 1/);
    expect(withWindow(604_801)).toThrow(/windowSeconds must be at most 604800/);
  });
});
