/**
 * Builds the payload-format-2.0 event that API Gateway hands a Lambda integration:
 * lower-cased headers with duplicates comma-joined, cookies split out, the JWT authorizer's
 * claims and scopes, and the body as text or base64 by API Gateway's content-type rule (base64
 * whenever the body has a content coding).
 */
import { randomFillSync } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/** What the gateway knows about one request. */
export interface IncomingRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/stream/v0/data/orders?x=1`. */
  readonly url: string;
  /** Raw header pairs as Node gives them (`rawHeaders`): name, value, name, value… */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly httpVersion: string;
}

/** The route and authorization the gateway resolved for the request. */
export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
  readonly claims: Record<string, string | number | boolean | string[]>;
  readonly scopes: readonly string[];
}

/** Fixed identity of the local API, in the shape API Gateway uses. */
export interface ApiIdentity {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
}

// Verified against AWS: these types arrive as UTF-8 text; everything else (also a missing
// content type, and form posts) arrives base64-encoded with isBase64Encoded true.
const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/** Whether API Gateway passes a body of this content type as text (not base64). */
export function isTextContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType) return false;
  return mediaType.startsWith('text/') || TEXT_TYPES.has(mediaType);
}

/**
 * Whether a `Content-Encoding` names a coding: the HTTP API passes such a body base64-encoded
 * (`isBase64Encoded: true`) whatever its content type, since compressed bytes are not text.
 */
function hasContentCoding(contentEncoding: string | undefined): boolean {
  const coding = contentEncoding?.trim().toLowerCase();
  return coding !== undefined && coding !== '' && coding !== 'identity';
}

// Header and parameter names are the client's: a Map, then Object.fromEntries, keeps a
// `constructor` or `__proto__` a plain own entry, where `name in object` and assignment
// would reach Object.prototype.

/** Lower-cased headers, duplicates joined with commas, as in payload format 2.0. */
export function joinHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return Object.fromEntries(headers);
}

function splitQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const parameters = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const earlier = parameters.get(name);
    parameters.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return Object.fromEntries(parameters);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (value: number) => (value < 10 ? `0${value}` : String(value));

// The text changes once a second, and a busy gateway builds it thousands of times a second.
let lastTime = { second: Number.NaN, text: '' };

/** `requestContext.time` as API Gateway writes it: `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(at: Date): string {
  const second = Math.floor(at.getTime() / 1000);
  if (second === lastTime.second) return lastTime.text;
  const text = `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
  lastTime = { second, text };
  return text;
}

const REQUEST_ID_BYTES = 10;
// One system call for 256 ids: randomBytes(10) per request was 5 % of the dev server's busy CPU.
const requestIdPool = Buffer.alloc(REQUEST_ID_BYTES * 256);
let requestIdOffset = requestIdPool.length;

/** A request id in API Gateway's style (`apigw-requestid`): 10 random bytes, base64 with one `=`. */
export function newGatewayRequestId(): string {
  if (requestIdOffset === requestIdPool.length) {
    randomFillSync(requestIdPool);
    requestIdOffset = 0;
  }
  const start = requestIdOffset;
  requestIdOffset += REQUEST_ID_BYTES;
  // 10 bytes are 14 base64 characters and `==`; API Gateway's ids keep one `=`.
  return requestIdPool.toString('base64', start, requestIdOffset).slice(0, 15);
}

/** Builds the event for one request. */
export function buildGatewayEvent(
  request: IncomingRequest,
  route: RouteMatch,
  api: ApiIdentity,
  requestId: string,
  at: Date,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.url.slice(queryAt + 1);
  const headers = joinHeaders(request.rawHeaders);
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  headers['x-forwarded-for'] = request.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  const textBody = isTextContentType(headers['content-type']) && !hasContentCoding(headers['content-encoding']);
  const queryStringParameters = splitQuery(rawQueryString);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookieHeader ? { cookies: cookieHeader.split(/;\s*/).filter(Boolean) } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      authorizer: { jwt: { claims: route.claims, scopes: [...route.scopes] } },
      domainName: api.domainName,
      domainPrefix: api.domainName.split('.')[0] ?? api.domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: requestTime(at),
      timeEpoch: at.getTime(),
    },
    pathParameters: route.pathParameters,
    ...(request.body.length > 0 ? { body: request.body.toString(textBody ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: request.body.length > 0 && !textBody,
  };
}
