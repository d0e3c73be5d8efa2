import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { CONTRACT_STATUS_CODES } from '#shared/contract/contract';
import { DownstreamUnavailableError } from '#shared/contract/errors';
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

/** How each fixed content type above reads; any other value is left undecided. */
const CONTENT_TYPE_KINDS: Readonly<Record<string, 'json' | 'ndjson' | 'xml' | 'refused'>> = {
  'application/json': 'json',
  'application/json;;;=': 'json',
  'application/x-ndjson': 'ndjson',
  'application/xml': 'xml',
  'text/xml; charset=utf-8': 'xml',
  'application/json; charset=latin1': 'refused',
  '': 'refused',
};

/** The status of each fixed body once it is read as JSON, NDJSON or XML. */
const BODY_STATUS: Readonly<Record<string, (stream: string, kind: 'json' | 'ndjson' | 'xml') => number>> = {
  '': () => 400,
  '<p a="1">x</p>': (_, kind) => (kind === 'xml' ? 202 : 400),
  '<!DOCTYPE x><x/>': () => 400,
  '<a><b></a>': () => 400,
  '{"order_id":"1"}': (stream, kind) => (kind !== 'xml' && stream === 'events' ? 202 : 400),
};

/**
 * The status the contract decides for a request made of the fixed values above, in the order
 * of docs/contract.md (404, 415, 400 or 202); `undefined` when a generated value leaves it open.
 */
function decidedStatus(stream: string, contentType: string, body: string): number | undefined {
  if (!Object.hasOwn(tenant.streams, stream)) return 404;
  const config = tenant.streams[stream];
  const kind = CONTENT_TYPE_KINDS[contentType];
  if (config === undefined || kind === undefined) return undefined;
  const takes = config.payload === 'xml' ? ['xml'] : ['json', 'ndjson'];
  if (kind === 'refused' || !takes.includes(kind)) return 415;
  if (kind === 'ndjson' && !config.batch) return 400;
  return Object.hasOwn(BODY_STATUS, body) ? BODY_STATUS[body]?.(stream, kind) : undefined;
}

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
        const decided = decidedStatus(stream, contentType, body);
        if (decided === undefined) expect(response.statusCode).toBeLessThan(500);
        else expect(response.statusCode).toBe(decided);
      }),
      { numRuns: 300 },
    );
  });

  it('answers exactly the decided status for every request made of fixed values', async () => {
    const { logger } = capturedLogger();
    const handler = createIngestHandler({ tenant, delivery: new RecordingDelivery(), logger });
    const fixed = {
      stream: fc.constantFrom('orders', 'events', 'profiles', 'nope'),
      contentType: fc.constantFrom(...Object.keys(CONTENT_TYPE_KINDS)),
      body: fc.constantFrom(...Object.keys(BODY_STATUS)),
    };
    await fc.assert(
      fc.asyncProperty(fc.record(fixed), async ({ stream, contentType, body }) => {
        const response = await handler(ingestEvent({ stream, contentType, body }), lambdaContext());
        expect(response.statusCode).toBe(decidedStatus(stream, contentType, body));
      }),
      { numRuns: 200 },
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
        const decided = decidedStatus(stream, contentType, body);
        if (decided !== undefined) expect(response.statusCode).toBe(decided === 202 ? 503 : decided);
        else if ((response.statusCode ?? 0) >= 500) expect(response.statusCode).toBe(503);
      }),
      { numRuns: 150 },
    );
  });
});
