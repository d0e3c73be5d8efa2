import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES, PROBLEM_CONTENT_TYPE } from '#shared/contract/contract';
import { problemType } from '#shared/contract/errors';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';
import {
  bodyOf,
  capturedLogger,
  type EventOptions,
  ingestEvent,
  lambdaContext,
  RecordingDelivery,
} from '../ingest-fixtures.ts';

// GitHub's documented test vector (docs.github.com, "Validating webhook deliveries").
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_PAYLOAD = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

// Slack's documented example (api.slack.com, "Verifying requests from Slack").
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TIMESTAMP = 1_531_420_618;
const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const NOW_SECONDS = 1_767_225_600; // 2026-01-01T00:00:00Z
const EVENT = '{"action":"opened","number":1,"title":"Grüße 🚀"}';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    github: { payload: 'json', auth: { type: 'hmac', preset: 'github', secret: 'github-hook' } },
    stripe: { payload: 'json', auth: { type: 'hmac', preset: 'stripe', secret: 'stripe-hook' } },
    shopify: { payload: 'json', auth: { type: 'hmac', preset: 'shopify', secret: 'shopify-hook' } },
    slack: { payload: 'json', auth: { type: 'hmac', preset: 'slack', secret: 'slack-hook', toleranceSeconds: 60 } },
    custom: {
      payload: 'json',
      batch: true,
      auth: {
        type: 'hmac',
        secret: 'custom-hook',
        header: 'X-Signature',
        algorithm: 'sha1',
        encoding: 'base64',
        prefix: 'sha1=',
        timestampHeader: 'X-Signature-Timestamp',
        toleranceSeconds: 30,
      },
    },
    events: { payload: 'json', batch: true },
  },
});

const hmac = (algorithm: string, secret: string, content: string | Buffer, encoding: 'hex' | 'base64' = 'hex') =>
  createHmac(algorithm, secret).update(content).digest(encoding);

function harness(values: Record<string, string>) {
  const delivery = new RecordingDelivery();
  const { logger, lines } = capturedLogger();
  const reads: string[] = [];
  const secrets: SecretReader = {
    read: async (name) => {
      reads.push(name);
      const value = values[name];
      if (value === undefined) throw new SecretUnavailableError(name, `secret ${name} is not set`);
      return value;
    },
  };
  const handler = createIngestHandler({ tenant, delivery, logger, webhookSecrets: secrets });
  // What API Gateway hands over for a route without an authorizer: no claims, no bearer token.
  const post = (options: EventOptions & { headers?: Record<string, string> }) => {
    const event = ingestEvent({ ...options, headers: options.headers ?? {} });
    delete event.headers.authorization;
    delete (event.requestContext as { authorizer?: unknown }).authorizer;
    return handler(event, lambdaContext());
  };
  return { delivery, post, lines, reads };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_SECONDS * 1000);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('a github stream', () => {
  const secrets = { 'github-hook': GITHUB_SECRET };

  it("passes GitHub's published test vector, then applies the stream's contract (a non-JSON body is 400)", async () => {
    expect(`sha256=${hmac('sha256', GITHUB_SECRET, GITHUB_PAYLOAD)}`).toBe(GITHUB_SIGNATURE);
    const { post, delivery } = harness(secrets);
    const response = await post({
      stream: 'github',
      body: GITHUB_PAYLOAD,
      headers: { 'x-hub-signature-256': GITHUB_SIGNATURE },
    });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).type).toBe(problemType('malformed-body'));
    expect(delivery.texts()).toEqual([]);
  });

  it('answers 202 to a signed JSON text body, storing the record as posted', async () => {
    const { post, delivery } = harness(secrets);
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, Buffer.from(EVENT, 'utf8'))}`;
    const response = await post({ stream: 'github', body: EVENT, headers: { 'x-hub-signature-256': signature } });
    expect(response.statusCode).toBe(202);
    expect(delivery.texts()).toEqual([`${EVENT}\n`]);
  });

  it('verifies the decoded bytes of a base64 event body, as API Gateway passes non-text types', async () => {
    const { post, delivery } = harness(secrets);
    const bytes = Buffer.from(EVENT, 'utf8');
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, bytes)}`;
    const response = await post({
      stream: 'github',
      body: bytes.toString('base64'),
      isBase64Encoded: true,
      headers: { 'x-hub-signature-256': signature },
    });
    expect(response.statusCode).toBe(202);
    expect(delivery.texts()).toEqual([`${EVENT}\n`]);
    // The base64 text itself is not what was signed.
    const wrong = `sha256=${hmac('sha256', GITHUB_SECRET, bytes.toString('base64'))}`;
    const refused = await post({
      stream: 'github',
      body: bytes.toString('base64'),
      isBase64Encoded: true,
      headers: { 'x-hub-signature-256': wrong },
    });
    expect(refused.statusCode).toBe(401);
  });

  it('answers 401 problem+json naming the header when it is missing, and delivers nothing', async () => {
    const { post, delivery, reads } = harness(secrets);
    const response = await post({ stream: 'github', body: EVENT });
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    const problem = bodyOf(response);
    expect(problem).toMatchObject({ type: problemType('webhook-signature'), status: 401 });
    expect(problem.detail).toMatch(/no X-Hub-Signature-256 header/);
    expect(problem.detail).toMatch(/sha256=<hex HMAC-SHA256 of the body>/);
    expect(delivery.batches).toEqual([]);
    expect(reads).toEqual(['github-hook']);
  });

  it('answers 401 for a tampered body without saying where it differs', async () => {
    const { post, delivery } = harness(secrets);
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, EVENT)}`;
    const tampered = EVENT.replace('"number":1', '"number":2');
    const response = await post({ stream: 'github', body: tampered, headers: { 'x-hub-signature-256': signature } });
    expect(response.statusCode).toBe(401);
    const detail = String(bodyOf(response).detail);
    expect(detail).toMatch(/^The X-Hub-Signature-256 signature does not match\./);
    expect(detail).not.toContain(signature.slice(7, 15));
    expect(detail).not.toContain(hmac('sha256', GITHUB_SECRET, tampered).slice(0, 8));
    expect(delivery.batches).toEqual([]);
  });

  it.each([
    ['the wrong prefix', (hex: string) => `sha1=${hex}`],
    ['no prefix', (hex: string) => hex],
    ['odd hex', (hex: string) => `sha256=${hex.slice(1)}`],
    ['one hex digit short of a byte', (hex: string) => `sha256=${hex.slice(2)}`],
    ['a non-hex digit', (hex: string) => `sha256=${hex.slice(0, -1)}g`],
  ])('answers 401 to a signature with %s', async (_what, form) => {
    const { post } = harness(secrets);
    const hex = hmac('sha256', GITHUB_SECRET, EVENT);
    const response = await post({ stream: 'github', body: EVENT, headers: { 'x-hub-signature-256': form(hex) } });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).type).toBe(problemType('webhook-signature'));
  });

  it('takes upper-case hex digits and any header name case (API Gateway lower-cases them)', async () => {
    const { post } = harness(secrets);
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, EVENT).toUpperCase()}`;
    expect(
      (await post({ stream: 'github', body: EVENT, headers: { 'X-Hub-Signature-256': signature } })).statusCode,
    ).toBe(202);
  });

  it('accepts either secret of a value with two lines during a rotation, but not an older third', async () => {
    const { post } = harness({ 'github-hook': 'new-secret\nold-secret\n' });
    const signedWith = (secret: string) => ({
      stream: 'github',
      body: EVENT,
      headers: { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, EVENT)}` },
    });
    expect((await post(signedWith('new-secret'))).statusCode).toBe(202);
    expect((await post(signedWith('old-secret'))).statusCode).toBe(202);
    expect((await post(signedWith('oldest-secret'))).statusCode).toBe(401);
    expect((await post(signedWith('new-secret\nold-secret\n'))).statusCode).toBe(401);
  });

  it('answers 503 problem+json naming the secret and how to set it when the secret is missing, without a stack', async () => {
    const signature = `sha256=${hmac('sha256', 'a', EVENT)}`;
    const missing = harness({});
    const response = await missing.post({
      stream: 'github',
      body: EVENT,
      headers: { 'x-hub-signature-256': signature },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'content-type': PROBLEM_CONTENT_TYPE });
    expect(bodyOf(response)).toEqual({
      type: problemType('webhook-secret-unavailable'),
      title: 'Webhook secret not available',
      status: 503,
      detail: 'Stream github cannot check webhook signatures until its secret is set: secret github-hook is not set.',
      request_id: expect.any(String),
    });
    expect(String(response.body)).not.toMatch(/internal-error|\n\s+at /);
    expect(missing.lines().join('\n')).toContain('secret github-hook is not set');
  });

  it('answers 503 naming the line count, never a line, when the secret holds three lines', async () => {
    const signature = `sha256=${hmac('sha256', 'a', EVENT)}`;
    const three = harness({ 'github-hook': 'first-line\nsecond-line\nthird-line' });
    const refused = await three.post({ stream: 'github', body: EVENT, headers: { 'x-hub-signature-256': signature } });
    expect(refused.statusCode).toBe(503);
    expect(bodyOf(refused).detail).toContain('holds 3 lines');
    expect(String(refused.body)).not.toMatch(/first-line|second-line|third-line/);
    expect(three.lines().join('\n')).not.toMatch(/first-line|second-line|third-line/);
  });

  it('logs neither the secret nor the signature', async () => {
    const { post, lines } = harness(secrets);
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, EVENT)}`;
    await post({ stream: 'github', body: EVENT, headers: { 'x-hub-signature-256': signature } });
    await post({ stream: 'github', body: `${EVENT} `, headers: { 'x-hub-signature-256': signature } });
    const log = lines().join('\n');
    expect(log).toContain('"status":401');
    expect(log).not.toContain(GITHUB_SECRET);
    expect(log).not.toContain(signature.slice(7));
  });

  it('still answers 404 for an unknown stream and 403 for a tenant header naming another tenant', async () => {
    const { post } = harness(secrets);
    expect((await post({ stream: 'gitlab', body: EVENT })).statusCode).toBe(404);
    const signature = `sha256=${hmac('sha256', GITHUB_SECRET, EVENT)}`;
    const other = await post({
      stream: 'github',
      body: EVENT,
      headers: { 'x-hub-signature-256': signature, 'x-sluice-tenant': 'other' },
    });
    expect(other.statusCode).toBe(403);
  });
});

describe('the order of checks on a webhook stream', () => {
  const oversized = `{"pad":"${'x'.repeat(DEFAULT_MAX_BYTES - 9)}"}`;

  it('answers 401 to an unsigned body over maxBytes: the signature comes before the size', async () => {
    const { post } = harness({ 'github-hook': GITHUB_SECRET });
    expect(Buffer.byteLength(oversized)).toBe(DEFAULT_MAX_BYTES + 1);
    expect((await post({ stream: 'github', body: oversized })).statusCode).toBe(401);
  });

  it('answers 413 to a signed body one byte over maxBytes, and 202 at exactly maxBytes', async () => {
    const { post } = harness({ 'github-hook': GITHUB_SECRET });
    const signed = (body: string) => ({
      stream: 'github',
      body,
      headers: { 'x-hub-signature-256': `sha256=${hmac('sha256', GITHUB_SECRET, body)}` },
    });
    expect((await post(signed(oversized))).statusCode).toBe(413);
    expect((await post(signed(oversized.replace('x', '')))).statusCode).toBe(202);
  });
});

describe('a JWT stream of the same tenant', () => {
  it('reads no secret and needs no signature', async () => {
    const { post, reads } = harness({});
    expect((await post({ stream: 'events', body: '{"a":1}' })).statusCode).toBe(202);
    expect(reads).toEqual([]);
  });
});

describe('a stripe stream', () => {
  const secret = 'whsec_test_secret';
  const header = (t: number, ...signatures: string[]) => [`t=${t}`, ...signatures.map((s) => `v1=${s}`)].join(',');
  const signed = (t: number, body = EVENT) => hmac('sha256', secret, `${t}.${body}`);

  it('answers 202 to a signature over "<t>.<body>" within the tolerance, among other v1 and v0 entries', async () => {
    const { post } = harness({ 'stripe-hook': secret });
    const t = NOW_SECONDS - 300;
    const value = `${header(t, 'ab'.repeat(32), signed(t))},v0=${'cd'.repeat(32)}`;
    expect((await post({ stream: 'stripe', body: EVENT, headers: { 'stripe-signature': value } })).statusCode).toBe(
      202,
    );
  });

  it('answers 401 saying the timestamp is stale one second past the tolerance', async () => {
    const { post } = harness({ 'stripe-hook': secret });
    const t = NOW_SECONDS - 301;
    const response = await post({
      stream: 'stripe',
      body: EVENT,
      headers: { 'stripe-signature': header(t, signed(t)) },
    });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).detail).toMatch(/301 s away.*at most 300 s \(replay protection\)/);
  });

  it('answers 401 when the timestamp was changed after signing, or is missing, or the body was', async () => {
    const { post } = harness({ 'stripe-hook': secret });
    const t = NOW_SECONDS;
    const moved = await post({
      stream: 'stripe',
      body: EVENT,
      headers: { 'stripe-signature': header(t + 1, signed(t)) },
    });
    expect(moved.statusCode).toBe(401);
    const noTime = await post({ stream: 'stripe', body: EVENT, headers: { 'stripe-signature': `v1=${signed(t)}` } });
    expect(bodyOf(noTime).detail).toMatch(/Stripe-Signature header has no t= timestamp/);
    const tampered = await post({
      stream: 'stripe',
      body: `${EVENT} `,
      headers: { 'stripe-signature': header(t, signed(t)) },
    });
    expect(tampered.statusCode).toBe(401);
  });
});

describe('a shopify stream', () => {
  it('answers 202 to the base64 HMAC-SHA256 of the raw body and 401 to its hex form', async () => {
    const { post } = harness({ 'shopify-hook': 'shpss_secret' });
    const base64 = hmac('sha256', 'shopify-secret-is-not-this', EVENT, 'base64');
    const right = hmac('sha256', 'shpss_secret', EVENT, 'base64');
    const headers = (value: string) => ({ 'x-shopify-hmac-sha256': value });
    expect((await post({ stream: 'shopify', body: EVENT, headers: headers(right) })).statusCode).toBe(202);
    expect((await post({ stream: 'shopify', body: EVENT, headers: headers(base64) })).statusCode).toBe(401);
    const hex = hmac('sha256', 'shpss_secret', EVENT);
    expect((await post({ stream: 'shopify', body: EVENT, headers: headers(hex) })).statusCode).toBe(401);
  });
});

describe('a slack stream', () => {
  it("passes Slack's published example, then answers 415 for its form body (a JSON stream)", async () => {
    vi.setSystemTime(SLACK_TIMESTAMP * 1000);
    const { post } = harness({ 'slack-hook': SLACK_SECRET });
    const response = await post({
      stream: 'slack',
      body: Buffer.from(SLACK_BODY).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'x-slack-signature': SLACK_SIGNATURE, 'x-slack-request-timestamp': String(SLACK_TIMESTAMP) },
    });
    expect(response.statusCode).toBe(415);
  });

  it('answers 401 to the same request 61 s later (tolerance 60) and 202-path checks at exactly 60 s', async () => {
    const { post } = harness({ 'slack-hook': SLACK_SECRET });
    const request = {
      stream: 'slack',
      body: Buffer.from(SLACK_BODY).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'x-slack-signature': SLACK_SIGNATURE, 'x-slack-request-timestamp': String(SLACK_TIMESTAMP) },
    };
    vi.setSystemTime((SLACK_TIMESTAMP + 60) * 1000);
    expect((await post(request)).statusCode).toBe(415);
    vi.setSystemTime((SLACK_TIMESTAMP + 61) * 1000);
    const stale = await post(request);
    expect(stale.statusCode).toBe(401);
    expect(bodyOf(stale).detail).toMatch(/61 s away.*at most 60 s/);
  });

  it('answers 401 naming X-Slack-Request-Timestamp when it is missing or not Unix seconds', async () => {
    const { post } = harness({ 'slack-hook': SLACK_SECRET });
    const signature = `v0=${hmac('sha256', SLACK_SECRET, `v0:${NOW_SECONDS}:${EVENT}`)}`;
    const missing = await post({ stream: 'slack', body: EVENT, headers: { 'x-slack-signature': signature } });
    expect(bodyOf(missing).detail).toMatch(/no X-Slack-Request-Timestamp header/);
    const fraction = await post({
      stream: 'slack',
      body: EVENT,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': `${NOW_SECONDS}.0` },
    });
    expect(bodyOf(fraction).detail).toMatch(/X-Slack-Request-Timestamp header is not a Unix time in seconds/);
    const good = await post({
      stream: 'slack',
      body: EVENT,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(NOW_SECONDS) },
    });
    expect(good.statusCode).toBe(202);
  });
});

describe('a custom scheme (sha1, base64, prefix, timestamp header)', () => {
  const sign = (t: number, body: string) => `sha1=${hmac('sha1', 'custom-secret', `${t}.${body}`, 'base64')}`;

  it('answers 202 to an NDJSON batch signed over "<timestamp>.<body>", and 401 past 30 s', async () => {
    const { post, delivery } = harness({ 'custom-hook': 'custom-secret' });
    const body = '{"a":1}\n{"a":2}\n';
    const headers = (t: number) => ({ 'x-signature': sign(t, body), 'x-signature-timestamp': String(t) });
    const ndjson = { stream: 'custom', contentType: 'application/x-ndjson', isBase64Encoded: true };
    const encoded = Buffer.from(body).toString('base64');
    expect((await post({ ...ndjson, body: encoded, headers: headers(NOW_SECONDS + 30) })).statusCode).toBe(202);
    expect(delivery.texts()).toEqual(['{"a":1}\n', '{"a":2}\n']);
    expect((await post({ ...ndjson, body: encoded, headers: headers(NOW_SECONDS + 31) })).statusCode).toBe(401);
  });
});

describe('any signature header', () => {
  it('is answered 401 with a bounded problem, never 202 or 5xx, on every webhook stream', async () => {
    const { post, delivery } = harness({
      'github-hook': 'g',
      'stripe-hook': 's',
      'shopify-hook': 'h',
      'slack-hook': 'k',
      'custom-hook': 'c',
    });
    const headerValue = fc.oneof(
      fc.string(),
      fc.stringMatching(/^(sha256=|v0=|sha1=)?[0-9a-fA-F+/=]{0,80}$/),
      fc
        .array(fc.tuple(fc.constantFrom('t', 'v1', 'v0', 'x', ''), fc.string()), { maxLength: 6 })
        .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join(',')),
    );
    const timestamp = fc.oneof(fc.string(), fc.integer({ min: 0, max: 2 * NOW_SECONDS }).map(String));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['github', 'x-hub-signature-256'],
          ['stripe', 'stripe-signature'],
          ['shopify', 'x-shopify-hmac-sha256'],
          ['slack', 'x-slack-signature'],
          ['custom', 'x-signature'],
        ),
        headerValue,
        timestamp,
        async ([stream, header], value, time) => {
          const response = await post({
            stream,
            body: EVENT,
            headers: { [header]: value, 'x-slack-request-timestamp': time, 'x-signature-timestamp': time },
          });
          expect(response.statusCode).toBe(401);
          expect(Buffer.byteLength(response.body ?? '')).toBeLessThan(2_048);
        },
      ),
      { numRuns: 300 },
    );
    expect(delivery.batches).toEqual([]);
  });
});
