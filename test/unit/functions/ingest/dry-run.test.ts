import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES, validatePath } from '#shared/contract/contract';
import { Order } from '#tenants/example';
import {
  bodyOf,
  capturedLogger,
  type EventOptions,
  ingestEvent,
  lambdaContext,
  RecordingDelivery,
} from './ingest-fixtures.ts';

/** The example tenant's streams and an XML stream that takes several records per document. */
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    orders: { payload: 'json', schema: Order, deadLetter: true },
    events: { payload: 'json', batch: true },
    profiles: { payload: 'xml' },
    people: { payload: 'xml', records: '/records/record', deadLetter: true },
  },
});

/** The event of `POST /stream/v0/validate/<id>`, as the HTTP API builds it for that route. */
function dryRunEvent(options: EventOptions): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = ingestEvent(options);
  const path = validatePath(options.stream ?? 'events');
  return {
    ...event,
    routeKey: `POST ${path}`,
    rawPath: path,
    requestContext: {
      ...event.requestContext,
      routeKey: `POST ${path}`,
      http: { ...event.requestContext.http, path },
    },
  };
}

function harness() {
  const delivery = new RecordingDelivery();
  const { logger, lines } = capturedLogger();
  const handler = createIngestHandler({ tenant, delivery, logger });
  return {
    delivery,
    lines,
    dryRun: (options: EventOptions) => handler(dryRunEvent(options), lambdaContext()),
    post: (options: EventOptions) => handler(ingestEvent(options), lambdaContext()),
  };
}

const ORDER =
  '{"order_id":"o-1","customer_id":"c-9","amount":12.5,"currency":"EUR","placed_at":"2025-01-01T10:00:00Z"}';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a dry run', () => {
  it('answers 200 { valid: true, records: 1 } for a valid order and delivers nothing', async () => {
    const { dryRun, delivery, lines } = harness();
    const response = await dryRun({ stream: 'orders', body: ORDER });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(response)).toEqual({ valid: true, records: 1 });
    expect(delivery.batches).toEqual([]);
    expect(lines().some((line) => line.includes('"records validated"'))).toBe(true);
  });

  it('answers the same 400 as the stream route for a schema violation, without a dead letter', async () => {
    const { dryRun, post, delivery } = harness();
    const order = '{"order_id":"o-1","amount":-1}';
    const checked = await dryRun({ stream: 'orders', body: order });
    expect(delivery.batches).toEqual([]);
    const real = await post({ stream: 'orders', body: order });
    expect(delivery.batches.map((batch) => batch.channel)).toEqual(['dead-letter']);
    expect(checked.statusCode).toBe(400);
    expect(checked).toEqual(real);
  });

  it.each([
    ['empty', ''],
    ['256 characters long', 'k'.repeat(256)],
    ['not printable ASCII', 'key\u00e9'],
  ])('answers 400 to an Idempotency-Key that is %s, as the stream route does', async (_, key) => {
    const { dryRun } = harness();
    const checked = await dryRun({ stream: 'orders', body: ORDER, headers: { 'idempotency-key': key } });
    expect(checked.statusCode).toBe(400);
    expect(bodyOf(checked)).toMatchObject({ status: 400, detail: expect.stringContaining('Idempotency-Key') });
  });

  it('takes an Idempotency-Key of 255 printable characters', async () => {
    const { dryRun } = harness();
    const checked = await dryRun({ stream: 'orders', body: ORDER, headers: { 'idempotency-key': '~'.repeat(255) } });
    expect(checked.statusCode).toBe(200);
  });

  it('lists the rejected records of a partly valid batch as the 202 does', async () => {
    const { dryRun, post, delivery } = harness();
    const batch = { stream: 'events', body: '[{"a":1},2,{"b":3}]' };
    const checked = await dryRun(batch);
    expect(checked.statusCode).toBe(200);
    const real = bodyOf(await post(batch));
    expect(bodyOf(checked)).toEqual({ valid: true, records: 2, rejected: real.rejected });
    expect(real.rejected).toEqual([
      { index: 1, errors: [{ path: '', message: 'Invalid type: expected a JSON object but received number' }] },
    ]);
    expect(delivery.batches).toHaveLength(1);
  });

  it('answers 400 batch-rejected for a batch with no valid record', async () => {
    const { dryRun, delivery } = harness();
    const response = await dryRun({ stream: 'events', body: '[1,2]' });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).type).toBe('urn:sluice:problem:batch-rejected');
    expect(delivery.batches).toEqual([]);
  });

  it.each([
    ['413 over maxBytes', { stream: 'events', body: JSON.stringify({ p: 'x'.repeat(DEFAULT_MAX_BYTES) }) }, 413],
    ['415 for another content type', { stream: 'events', body: '{}', contentType: 'text/plain' }, 415],
    ['404 for an unknown stream', { stream: 'nope', body: '{}' }, 404],
    ['403 for another tenant', { stream: 'events', body: '{}', claims: { tenant: 'other' } }, 403],
    [
      '400 for NDJSON to a single-record stream',
      { stream: 'orders', body: ORDER, contentType: 'application/x-ndjson' },
      400,
    ],
    ['400 for a DOCTYPE', { stream: 'profiles', body: '<!DOCTYPE a><a/>', contentType: 'application/xml' }, 400],
  ] as const)('answers %s, as the stream route does', async (_, options, status) => {
    const { dryRun, post, delivery } = harness();
    const checked = await dryRun(options);
    expect(checked.statusCode).toBe(status);
    expect(checked).toEqual(await post(options));
    expect(delivery.batches.filter((batch) => batch.channel !== 'dead-letter')).toEqual([]);
  });

  it('inflates a gzip body and counts the records of a multi-record XML document', async () => {
    const { dryRun, delivery } = harness();
    const xml = '<records><record><id>1</id></record><record><id>2</id></record></records>';
    const response = await dryRun({
      stream: 'people',
      contentType: 'application/xml',
      body: gzipSync(xml).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(bodyOf(response)).toEqual({ valid: true, records: 2 });
    expect(delivery.batches).toEqual([]);
  });

  it('tells its route from the path when the event has no route key or path parameters', async () => {
    const { delivery } = harness();
    const handler = createIngestHandler({ tenant, delivery, logger: capturedLogger().logger });
    const event = dryRunEvent({ stream: 'orders', body: ORDER, pathParameters: false });
    const response = await handler({ ...event, routeKey: '$default' }, lambdaContext());
    expect(bodyOf(response)).toEqual({ valid: true, records: 1 });
    expect(delivery.batches).toEqual([]);
  });
});

describe('the dry run and the stream route', () => {
  it('agree on every body: 200 exactly where the route answers 202, with its count, else the same answer', async () => {
    const { dryRun, post } = harness();
    const bodies = fc.oneof(
      fc.json(),
      fc.array(fc.json(), { maxLength: 4 }).map((lines) => lines.join('\n')),
      fc.constantFrom(ORDER, '{"order_id":""}', '[{"a":1},2]', '<records><record/></records>', '<a/>', ''),
    );
    const targets = fc.constantFrom(
      { stream: 'orders', contentType: 'application/json' },
      { stream: 'events', contentType: 'application/json' },
      { stream: 'events', contentType: 'application/x-ndjson' },
      { stream: 'profiles', contentType: 'application/xml' },
      { stream: 'people', contentType: 'application/xml' },
    );
    await fc.assert(
      fc.asyncProperty(bodies, targets, async (text, target) => {
        const isText = target.contentType !== 'application/x-ndjson';
        const options = {
          ...target,
          body: isText ? text : Buffer.from(text).toString('base64'),
          isBase64Encoded: !isText,
        };
        const checked = await dryRun(options);
        const real = await post(options);
        if (real.statusCode === 202) {
          const accepted = bodyOf(real);
          expect(checked.statusCode).toBe(200);
          expect(bodyOf(checked)).toEqual({
            valid: true,
            records: accepted.records,
            ...('rejected' in accepted ? { rejected: accepted.rejected } : {}),
          });
        } else {
          expect(checked).toEqual(real);
        }
      }),
      { numRuns: 150 },
    );
  });
});
