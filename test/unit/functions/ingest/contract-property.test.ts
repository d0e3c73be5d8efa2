import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { CONTRACT_STATUS_CODES } from '#shared/contract';
import { DownstreamUnavailableError } from '#shared/errors';
import tenant from '#tenants/example';
import { capturedLogger, ingestEvent, lambdaContext, RecordingDelivery } from './ingest-fixtures.ts';

const streamIds = fc.oneof(fc.constantFrom('orders', 'events', 'profiles', '__proto__', 'constructor'), fc.string());
const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/x-ndjson',
    'application/xml',
    'text/xml; charset=utf-8',
    'application/json; charset=latin1',
    'application/json;;;=',
    '',
  ),
  fc.string(),
);
const bodies = fc.oneof(
  fc.string(),
  fc.json(),
  fc.array(fc.json(), { maxLength: 5 }).map((lines) => lines.join('\n')),
  fc.array(fc.jsonValue(), { maxLength: 5 }).map((values) => JSON.stringify(values)),
  fc.constantFrom('<p a="1">x</p>', '<!DOCTYPE x><x/>', '<a><b></a>', '{"order_id":"1"}'),
);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the ingest contract for arbitrary requests', () => {
  it('answers a contract status, never a 5xx while downstream works', async () => {
    const { logger } = capturedLogger();
    const handler = createIngestHandler({ tenant, delivery: new RecordingDelivery(), logger });
    await fc.assert(
      fc.asyncProperty(streamIds, contentTypes, bodies, fc.boolean(), async (stream, contentType, body, base64) => {
        const event = ingestEvent({
          stream,
          contentType,
          body: base64 ? Buffer.from(body).toString('base64') : body,
          isBase64Encoded: base64,
        });
        const response = await handler(event, lambdaContext());
        expect(CONTRACT_STATUS_CODES.has(response.statusCode ?? 0)).toBe(true);
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('answers a contract status, and 503 only for delivery, when downstream fails', async () => {
    const { logger } = capturedLogger();
    const delivery = new RecordingDelivery();
    delivery.failure = () => new DownstreamUnavailableError('down');
    const handler = createIngestHandler({ tenant, delivery, logger });
    await fc.assert(
      fc.asyncProperty(streamIds, contentTypes, bodies, async (stream, contentType, body) => {
        const response = await handler(ingestEvent({ stream, contentType, body }), lambdaContext());
        expect(CONTRACT_STATUS_CODES.has(response.statusCode ?? 0)).toBe(true);
        if ((response.statusCode ?? 0) >= 500) expect(response.statusCode).toBe(503);
      }),
      { numRuns: 150 },
    );
  });
});
