import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { DEFAULT_MAX_BYTES, PROBLEM_CONTENT_TYPE } from '#shared/contract/contract';
import {
  DeadlineExceededError,
  DownstreamThrottledError,
  DownstreamUnavailableError,
  problemType,
} from '#shared/contract/errors';
import exampleTenant from '#tenants/example';
import {
  BEARER_TOKEN,
  bodyOf,
  capturedLogger,
  ingestEvent,
  ingestHarness,
  lambdaContext,
  RecordingDelivery,
} from './ingest-fixtures.ts';

const order = {
  order_id: 'o-1',
  customer_id: 'c-1',
  amount: 12.5,
  currency: 'EUR',
  placed_at: '2025-01-01T10:00:00Z',
  items: [{ sku: 'A', qty: 2 }],
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('createIngestHandler', () => {
  it('answers 202 with the receipt once the record was delivered', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'orders', body: JSON.stringify(order) });
    expect(response.statusCode).toBe(202);
    const body = bodyOf(response);
    expect(body).toEqual({ status: 'accepted', stream: 'orders', records: 1, receipt: expect.any(String) });
    expect(delivery.texts()).toEqual([`${JSON.stringify(order)}\n`]);
    expect(delivery.batches[0]).toMatchObject({ streamId: 'orders', channel: 'records' });
  });

  it('stores the posted text with line breaks removed, big integers and key order unchanged', async () => {
    const { delivery, post } = ingestHarness();
    const posted = '{\r\n  "z": 12345678901234567890,\n  "a": 1.50,\n  "__proto__": {"x": "\\u00e9"}\n}';
    const response = await post({ body: posted });
    expect(response.statusCode).toBe(202);
    expect(delivery.texts()).toEqual(['{  "z": 12345678901234567890,  "a": 1.50,  "__proto__": {"x": "\\u00e9"}}\n']);
  });

  it('writes the receipt into the log line of the request and never the token', async () => {
    const { post, lines } = ingestHarness();
    const response = await post({ body: '{"a":1}', headers: { 'x-api-key': BEARER_TOKEN } });
    const { receipt } = bodyOf(response);
    const accepted = lines().find((line) => line.includes('records accepted'));
    expect(accepted).toContain(String(receipt));
    await post({ body: '{"a":' });
    expect(lines().length).toBeGreaterThanOrEqual(2);
    for (const line of lines()) {
      expect(line).not.toContain(BEARER_TOKEN);
      expect(line.toLowerCase()).not.toContain('authorization');
    }
  });

  it("puts each invocation's Lambda request id on its log lines, and never the event, even with POWERTOOLS_LOGGER_LOG_EVENT", async () => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    const { logger, lines } = capturedLogger();
    const handler = createIngestHandler({ tenant: exampleTenant, delivery: new RecordingDelivery(), logger });
    for (const awsRequestId of ['lambda-req-A', 'lambda-req-B']) {
      await handler(ingestEvent({ body: '{"a":' }), { ...lambdaContext(), awsRequestId });
    }
    const refused = lines()
      .map((line) => JSON.parse(line))
      .filter((line) => line.message === 'request refused');
    expect(refused.map((line) => line.function_request_id)).toEqual(['lambda-req-A', 'lambda-req-B']);
    expect(lines().join('\n')).not.toContain(BEARER_TOKEN);
  });

  it('finds the stream from rawPath when pathParameters is missing', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'events', pathParameters: false, body: '{"a":1}' });
    expect(response.statusCode).toBe(202);
    expect(delivery.batches[0]?.streamId).toBe('events');
  });

  it.each(['nope', 'constructor', '__proto__', ''])('answers 404 problem for unknown stream %j', async (stream) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream, body: '{"a":1}' });
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(bodyOf(response)).toMatchObject({ type: problemType('unknown-stream'), status: 404, request_id: 'req-1' });
    expect(delivery.batches).toHaveLength(0);
  });

  it.each(['x-sluice-tenant', 'x-amperity-tenant', 'X-Sluice-Tenant'])(
    'answers 403 when the %s header names another tenant',
    async (header) => {
      const { post } = ingestHarness();
      const response = await post({ body: '{"a":1}', headers: { [header]: 'other' } });
      expect(response.statusCode).toBe(403);
      expect(bodyOf(response)).toMatchObject({ type: problemType('tenant-mismatch'), status: 403 });
    },
  );

  it('answers 403 for a tenant claim that is not a string naming this tenant', async () => {
    const { post } = ingestHarness();
    const claims = { tenant: 5, scope: 'sluice/write' } as unknown as Record<string, string>;
    const response = await post({ body: '{"a":1}', claims });
    expect(response.statusCode).toBe(403);
  });

  it('accepts a tenant header that names the token tenant', async () => {
    const { post } = ingestHarness();
    const response = await post({ body: '{"a":1}', headers: { 'x-amperity-tenant': 'example' } });
    expect(response.statusCode).toBe(202);
  });

  it("answers 403 when the token's tenant claim is another tenant", async () => {
    const { post } = ingestHarness();
    const response = await post({ body: '{"a":1}', claims: { tenant: 'other', scope: 'sluice/write' } });
    expect(response.statusCode).toBe(403);
  });

  it('answers 413 from content-length before reading the body, naming limit and size', async () => {
    const { post } = ingestHarness();
    const response = await post({ body: '{}', headers: { 'content-length': String(DEFAULT_MAX_BYTES + 1) } });
    expect(response.statusCode).toBe(413);
    const body = bodyOf(response);
    expect(body).toMatchObject({ limit_bytes: DEFAULT_MAX_BYTES, size_bytes: DEFAULT_MAX_BYTES + 1 });
    expect(body.detail).toContain(String(DEFAULT_MAX_BYTES));
  });

  it.each([
    ['text/plain', 'events'],
    ['application/xml', 'events'],
    ['application/json', 'profiles'],
    ['application/x-www-form-urlencoded', 'orders'],
  ])('answers 415 for %s on stream %s', async (contentType, stream) => {
    const { post } = ingestHarness();
    const response = await post({ stream, contentType, body: '{"a":1}' });
    expect(response.statusCode).toBe(415);
    expect(bodyOf(response)).toMatchObject({ type: problemType('unsupported-media-type') });
  });

  it('answers 415 without a content type', async () => {
    const { post } = ingestHarness();
    expect((await post({ contentType: null, body: '{"a":1}' })).statusCode).toBe(415);
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON;Charset="UTF-8"', 'application/json; charset=utf8'])(
    'accepts %s',
    async (contentType) => {
      const { post } = ingestHarness();
      expect((await post({ contentType, body: '{"a":1}' })).statusCode).toBe(202);
    },
  );

  it.each(['application/json; charset=latin1', 'application/json; charset=utf-16', 'text/xml; charset=iso-8859-1'])(
    'answers 415 for the charset in %s',
    async (contentType) => {
      const { post } = ingestHarness();
      const stream = contentType.includes('xml') ? 'profiles' : 'events';
      const response = await post({ stream, contentType, body: stream === 'events' ? '{"a":1}' : '<a/>' });
      expect(response.statusCode).toBe(415);
      expect(String(bodyOf(response).detail)).toContain('UTF-8');
    },
  );

  it.each(['br', 'compress', 'gzip, gzip'])('answers 415 for the content coding %s', async (coding) => {
    const { post } = ingestHarness();
    const response = await post({ body: '{"a":1}', headers: { 'content-encoding': coding } });
    expect(response.statusCode).toBe(415);
    expect(String(bodyOf(response).detail)).toContain('gzip or deflate');
  });

  it.each([
    ['an empty body', ''],
    ['whitespace only', ' \n '],
    ['bad JSON', '{"a":'],
    ['a trailing comma', '{"a":1,}'],
    ['a JSON string instead of an object', '"text"'],
    ['an array to a stream without batch posts', '[{"a":1}]'],
  ])('answers 400 for %s', async (_, body) => {
    const { delivery, post } = ingestHarness();
    const stream = body.startsWith('[') ? 'orders' : 'events';
    const response = await post({ stream, body });
    expect(response.statusCode).toBe(400);
    expect(delivery.texts()).toEqual([]);
  });

  it('answers 400 for NDJSON to a stream without batch posts, by content type or by body', async () => {
    const { post } = ingestHarness();
    const byType = await post({ stream: 'orders', contentType: 'application/x-ndjson', body: JSON.stringify(order) });
    expect(byType.statusCode).toBe(400);
    const byBody = await post({ stream: 'orders', body: `${JSON.stringify(order)}\n${JSON.stringify(order)}\n` });
    expect(byBody.statusCode).toBe(400);
    expect(String(bodyOf(byBody).detail)).toContain('NDJSON');
  });

  it('answers 400 for invalid UTF-8 instead of replacing bytes', async () => {
    const { post } = ingestHarness();
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const response = await post({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe('The body is not valid UTF-8.');
  });

  it('answers 400 with JSON Pointer paths for schema violations', async () => {
    const { post } = ingestHarness();
    const bad = { ...order, amount: -1, currency: 'eur', items: [{ sku: 'A', qty: 0 }] };
    const response = await post({ stream: 'orders', body: JSON.stringify(bad) });
    expect(response.statusCode).toBe(400);
    const body = bodyOf(response);
    expect(body).toMatchObject({ type: problemType('schema-violation'), status: 400, request_id: 'req-1' });
    const paths = (body.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(['/amount', '/currency', '/items/0/qty']);
  });

  it('accepts an XML document and answers 400 for a malformed one', async () => {
    const { delivery, post } = ingestHarness();
    const ok = await post({
      stream: 'profiles',
      contentType: 'text/xml',
      body: '<profile id="7"><name>Ada</name></profile>',
    });
    expect(ok.statusCode).toBe(202);
    expect(delivery.batches).toHaveLength(1);
    const bad = await post({
      stream: 'profiles',
      contentType: 'application/xml',
      body: '<profile><name>Ada</profile>',
    });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toMatchObject({ type: problemType('malformed-body') });
  });

  it('answers 429 with Retry-After when downstream is throttled', async () => {
    const { delivery, post } = ingestHarness();
    delivery.failure = () => new DownstreamThrottledError('Firehose throttled 1 record(s)', 2);
    const response = await post({ body: '{"a":1}' });
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(bodyOf(response)).toMatchObject({ type: problemType('downstream-throttled'), retry_after_seconds: 2 });
  });

  it.each([
    [503, new DownstreamUnavailableError('Firehose is unavailable: InternalFailure')],
    [504, new DeadlineExceededError('no answer in 25000 ms')],
    [500, new Error('connection string postgres://secret@db')],
  ])('answers %i without exposing the internal message', async (status, error) => {
    const { delivery, post } = ingestHarness();
    delivery.failure = () => error;
    const response = await post({ body: '{"a":1}' });
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.body).not.toContain(error.message);
    expect(bodyOf(response)).toMatchObject({ status, request_id: 'req-1', detail: expect.stringContaining('Retry') });
  });

  it('gives delivery the configured deadline, or less when the Lambda has less time left', async () => {
    const roomy = ingestHarness({ deliveryDeadlineMs: 5_000, remainingMs: 28_000 });
    const before = Date.now();
    await roomy.post({ body: '{"a":1}' });
    const roomyDeadline = roomy.delivery.batches[0]?.deadlineAt ?? 0;
    expect(roomyDeadline - before).toBeGreaterThan(4_000);
    expect(roomyDeadline - before).toBeLessThanOrEqual(5_000 + (Date.now() - before));

    const tight = ingestHarness({ deliveryDeadlineMs: 25_000, remainingMs: 3_000 });
    const start = Date.now();
    await tight.post({ body: '{"a":1}' });
    expect((tight.delivery.batches[0]?.deadlineAt ?? 0) - start).toBeLessThanOrEqual(3_000);
  });
});
