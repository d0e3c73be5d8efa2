import { describe, expect, it } from 'vitest';
import {
  buildGatewayEvent,
  isTextContentType,
  joinHeaders,
  newGatewayRequestId,
  requestTime,
} from '#local/gateway/gateway-event';

const api = { accountId: '000000000000', apiId: 'local', domainName: '127.0.0.1:4000' };
const route = {
  routeKey: 'POST /stream/v0/data/orders',
  pathParameters: { streamId: 'orders' },
  claims: { tenant: 'example' },
  scopes: ['sluice/write'],
};
const at = new Date('2026-03-12T19:03:58.123Z');

function event(rawHeaders: string[], body = '{"a":1}', url = '/stream/v0/data/orders') {
  return buildGatewayEvent(
    { method: 'POST', url, rawHeaders, body: Buffer.from(body), sourceIp: '127.0.0.1', httpVersion: '1.1' },
    route,
    api,
    'abc=',
    at,
  );
}

describe('the payload-format-2.0 event', () => {
  it('passes JSON, XML and text bodies as text and everything else as base64', () => {
    expect(
      ['application/json; charset=utf-8', 'application/xml', 'text/xml', 'text/plain'].map(isTextContentType),
    ).toEqual([true, true, true, true]);
    expect(['application/x-ndjson', 'application/octet-stream', undefined].map(isTextContentType)).toEqual([
      false,
      false,
      false,
    ]);
    expect(event(['Content-Type', 'application/json'])).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    expect(event(['Content-Type', 'application/x-ndjson'])).toMatchObject({
      body: Buffer.from('{"a":1}').toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('passes a body with a content coding as base64, and one with identity as its content type says', () => {
    for (const coding of ['gzip', 'deflate', 'br']) {
      expect(event(['Content-Type', 'application/json', 'Content-Encoding', coding])).toMatchObject({
        body: Buffer.from('{"a":1}').toString('base64'),
        isBase64Encoded: true,
      });
    }
    expect(event(['Content-Type', 'application/json', 'Content-Encoding', 'identity'])).toMatchObject({
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });

  it('lower-cases header names, joins duplicates with commas and splits cookies out', () => {
    expect(joinHeaders(['X-Trace', 'a', 'x-trace', 'b'])).toEqual({ 'x-trace': 'a,b' });
    const built = event(['Cookie', 'a=1; b=2', 'User-Agent', 'curl/8']);
    expect(built.cookies).toEqual(['a=1', 'b=2']);
    expect(built.headers.cookie).toBeUndefined();
    expect(built.requestContext.http.userAgent).toBe('curl/8');
  });

  it('carries the route, path, query, authorizer claims and request time as API Gateway does', () => {
    const built = event([], '', '/stream/v0/data/orders?a=1&a=2&b=x');
    expect(built).toMatchObject({
      version: '2.0',
      routeKey: 'POST /stream/v0/data/orders',
      rawPath: '/stream/v0/data/orders',
      rawQueryString: 'a=1&a=2&b=x',
      queryStringParameters: { a: '1,2', b: 'x' },
      pathParameters: { streamId: 'orders' },
      isBase64Encoded: false,
      requestContext: {
        stage: '$default',
        requestId: 'abc=',
        authorizer: { jwt: { claims: { tenant: 'example' }, scopes: ['sluice/write'] } },
        http: { method: 'POST', path: '/stream/v0/data/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: at.getTime(),
      },
    });
    expect(built.body).toBeUndefined();
    expect(requestTime(new Date('2026-01-02T03:04:05Z'))).toBe('02/Jan/2026:03:04:05 +0000');
  });

  it('writes the time of each second, also for requests that follow each other closely', () => {
    const times = [
      '2026-01-02T03:04:05.000Z',
      '2026-01-02T03:04:05.999Z',
      '2026-01-02T03:04:06.000Z',
      '2025-12-31T23:59:59.500Z',
    ];
    expect(times.map((at) => requestTime(new Date(at)))).toEqual([
      '02/Jan/2026:03:04:05 +0000',
      '02/Jan/2026:03:04:05 +0000',
      '02/Jan/2026:03:04:06 +0000',
      '31/Dec/2025:23:59:59 +0000',
    ]);
  });

  it('gives every request its own id in API Gateway style', () => {
    const ids = Array.from({ length: 1_000 }, () => newGatewayRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9+/]{14}=$/);
  });
});
