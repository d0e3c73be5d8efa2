/**
 * The local API Gateway: the routes, throttles and JWT authorizer of the tenant's HTTP API
 * in front of the ingest handler, which it calls with payload-format-2.0 events.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { JSONWebKeySet } from 'jose';
import { streamRouteThrottle } from '#shared/config/route-throttle';
import type { TenantConfig } from '#shared/config/tenant-config';
import { isWebhookStream } from '#shared/config/webhook-config';
import { INGEST_FUNCTION_TIMEOUT_MS, ingestPath, validatePath } from '#shared/contract/contract';
import { routeScopes } from '#shared/tokens/token-claims';
import { type AccessLogEntry, acceptedRecords } from './access-log.ts';
import { answerBeforeBody, bodyRead } from './early-answer.ts';
import { type ApiIdentity, buildGatewayEvent, newGatewayRequestId } from './gateway-event.ts';
import { GATEWAY_PAYLOAD_LIMIT_BYTES, type GatewayResponse, gatewayError } from './gateway-responses.ts';
import { type Authorized, authorizationHeader, type JwtAuthorizer } from './jwt-authorizer.ts';
import { createLambdaContext } from './lambda-context.ts';
import { createPublicRoutes } from './public-routes.ts';
import { TokenBucket } from './token-bucket.ts';

/** The ingest handler as the gateway invokes it. */
export type IngestHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** Everything the gateway needs. */
export interface GatewayOptions {
  readonly tenant: TenantConfig;
  readonly handler: IngestHandler;
  readonly authorizer: JwtAuthorizer;
  /** The issuer URL (the gateway's own base URL), for the OIDC discovery document. */
  readonly issuerUrl: string;
  readonly jwks: () => JSONWebKeySet;
  readonly api: ApiIdentity;
  /** Called when the handler throws (API Gateway then answers 500). */
  readonly onHandlerError?: (error: unknown) => void;
  /** Called when a client goes away before its body is complete; nothing of it is handled. */
  readonly onClientAborted?: (requestId: string) => void;
  /** Called once per request when its response ends (the dev terminal's access log). */
  readonly onRequest?: (entry: AccessLogEntry) => void;
}

interface StreamRoute {
  readonly streamId: string;
  readonly routeKey: string;
  readonly scopes: readonly string[];
  readonly bucket: TokenBucket;
  /** The stream's dry-run route: its 200 counts records checked, none accepted. */
  readonly dryRun: boolean;
  /** A webhook stream: no JWT authorizer, the function verifies the HMAC signature. */
  readonly signed: boolean;
}

/** What a route without an authorizer hands the handler: no claims, no scopes. */
const WEBHOOK_ROUTE: Authorized = { ok: true, claims: Object.freeze({}), scopes: [] };

class BodyTooLargeError extends Error {}

/** The client closed the connection before the body was complete: not a server error. */
class ClientAbortedError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, size)));
    // A body cut short must never reach the handler, where it would be dead-lettered.
    request.on('error', (error) => reject(request.complete ? error : new ClientAbortedError()));
    request.on('close', () => {
      if (!request.complete) reject(new ClientAbortedError());
    });
  });
}

function send(
  response: ServerResponse,
  result: GatewayResponse,
  requestId: string,
  extra: Record<string, string> = {},
) {
  // A body still arriving must be drained, or the client may get a reset instead of this answer.
  if (!bodyRead(response.req))
    return answerBeforeBody(response.req, response, result, { 'apigw-requestid': requestId, ...extra });
  response.writeHead(result.statusCode, { ...result.headers, 'apigw-requestid': requestId, ...extra });
  response.end(result.body);
}

function writeHandlerResult(response: ServerResponse, result: APIGatewayProxyResultV2, requestId: string): void {
  if (typeof result === 'string' || typeof result !== 'object' || result === null || !('statusCode' in result)) {
    // API Gateway treats anything but a structured result as a 200 JSON body.
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    send(response, { statusCode: 200, headers: { 'content-type': 'application/json' }, body }, requestId);
    return;
  }
  const headers: Record<string, string | string[]> = { 'apigw-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-type'] ??= 'application/json';
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/** Makes the gateway's request listener for a tenant. */
export function createGateway(options: GatewayOptions): RequestListener {
  const routes = new Map<string, StreamRoute>();
  for (const stream of Object.values(options.tenant.streams)) {
    // The HTTP API's default route settings (the tenant's throttle) apply to each route on its
    // own, and a stream's throttle replaces them for its routes: there is no shared bucket. The
    // dry-run route has the stream's scopes and throttle, and a bucket of its own like on AWS.
    const { rate, burst } = streamRouteThrottle(stream, options.tenant);
    for (const [path, dryRun] of [
      [ingestPath(stream.id), false],
      [validatePath(stream.id), true],
    ] as const) {
      routes.set(path, {
        streamId: stream.id,
        routeKey: `POST ${path}`,
        scopes: routeScopes(stream.id),
        bucket: new TokenBucket(rate, burst),
        dryRun,
        signed: isWebhookStream(stream),
      });
    }
  }

  const publicRoutes = createPublicRoutes({
    tenant: options.tenant,
    serverUrl: options.issuerUrl,
    jwks: options.jwks,
  });

  // The opt-in `reservedConcurrency`: on AWS the ingest function's reserved concurrency. A Lambda
  // throttle reaches an HTTP API client as the gateway's own 500, so that is what is answered
  // here too. Without it, as on AWS, only the route throttles (429) limit the tenant.
  let handlersInFlight = 0;

  async function route(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    accepted: { records: number },
  ): Promise<void> {
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const method = request.method ?? 'GET';
    const publicAnswer = method === 'GET' ? publicRoutes(path, request.headers, requestId) : undefined;
    if (publicAnswer) return writeHandlerResult(response, await publicAnswer, requestId);
    const stream = method === 'POST' ? routes.get(path) : undefined;
    if (!stream) return send(response, gatewayError(404), requestId);
    if (!stream.bucket.tryTake()) return send(response, gatewayError(429), requestId);
    // As on AWS, a webhook stream's route has no authorizer: the handler checks the signature.
    const decision = stream.signed
      ? WEBHOOK_ROUTE
      : await options.authorizer.authorize(authorizationHeader(request.rawHeaders), stream.scopes);
    if (!decision.ok) {
      return send(response, gatewayError(decision.status, { 'www-authenticate': decision.challenge }), requestId);
    }
    let body: Buffer;
    try {
      body = await readBody(request, GATEWAY_PAYLOAD_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return send(response, gatewayError(413), requestId);
      }
      if (error instanceof ClientAbortedError) {
        options.onClientAborted?.(requestId);
        response.destroy();
        return;
      }
      throw error;
    }
    const event = buildGatewayEvent(
      {
        method,
        url,
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        httpVersion: request.httpVersion,
      },
      {
        routeKey: stream.routeKey,
        pathParameters: { streamId: stream.streamId },
        claims: decision.claims,
        scopes: decision.scopes,
      },
      options.api,
      requestId,
      new Date(),
    );
    const cap = options.tenant.reservedConcurrency;
    if (cap !== undefined && handlersInFlight >= cap) return send(response, gatewayError(500), requestId);
    let result: APIGatewayProxyResultV2;
    handlersInFlight += 1;
    try {
      result = await options.handler(
        event,
        createLambdaContext(`sluice-${options.tenant.tenant}-ingest`, INGEST_FUNCTION_TIMEOUT_MS),
      );
    } catch (error) {
      options.onHandlerError?.(error);
      return send(response, gatewayError(500), requestId);
    } finally {
      handlersInFlight -= 1;
    }
    if (options.onRequest && !stream.dryRun) accepted.records = acceptedRecords(result);
    writeHandlerResult(response, result, requestId);
  }

  return (request, response) => {
    const requestId = newGatewayRequestId();
    const accepted = { records: 0 };
    const { onRequest } = options;
    if (onRequest) {
      const startedAt = performance.now();
      response.once('close', () =>
        onRequest({
          method: request.method ?? 'GET',
          path: (request.url ?? '/').split('?')[0] ?? '/',
          // Closed before the answer was written out: Node's statusCode is then its default 200.
          status: response.writableFinished ? response.statusCode : undefined,
          milliseconds: performance.now() - startedAt,
          records: accepted.records,
        }),
      );
    }
    route(request, response, requestId, accepted).catch((error: unknown) => {
      options.onHandlerError?.(error);
      if (!response.headersSent) send(response, gatewayError(500), requestId);
      else response.destroy();
    });
  };
}
