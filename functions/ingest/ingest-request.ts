/** The parts of an API Gateway payload-format-2.0 event that the ingest core reads. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { INGEST_PATH_PREFIX, VALIDATE_PATH_PREFIX } from '#shared/contract/contract';

/** One ingest request, independent of API Gateway's event shape. */
export interface IngestRequest {
  readonly streamId: string | undefined;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  /** The token's `tenant` claim, when the authorizer passed one. */
  readonly tenantClaim: string | undefined;
  readonly requestId: string;
  readonly receivedAt: Date;
  /** A dry run (`POST /stream/v0/validate/<id>`): every check of the stream's route, nothing written. */
  readonly dryRun: boolean;
}

/** The request id the client can quote: API Gateway's, else the Lambda invocation's. */
export function requestIdOf(event: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>, context?: Context): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
}

/**
 * Whether the event is a dry run. The route key says which route API Gateway matched (each
 * stream has its own two routes); without one (a `$default` route), the path does.
 */
export function isDryRun(event: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>): boolean {
  const routeKey = event.routeKey ?? '';
  if (routeKey.startsWith('POST /')) return routeKey.startsWith(`POST ${VALIDATE_PATH_PREFIX}`);
  return (event.rawPath ?? '').includes(VALIDATE_PATH_PREFIX);
}

/** The stream id of the route, or of the raw path when no route parameter names it. */
export function streamIdOf(
  event: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>,
  dryRun = isDryRun(event),
): string | undefined {
  const fromRoute = event.pathParameters?.streamId;
  if (fromRoute !== undefined) return fromRoute;
  const path = event.rawPath ?? '';
  const prefix = dryRun ? VALIDATE_PATH_PREFIX : INGEST_PATH_PREFIX;
  const at = path.indexOf(prefix);
  if (at === -1) return undefined;
  const segment = path.slice(at + prefix.length);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function lowerCaseHeaders(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  // Null prototype: a header named `__proto__` or `constructor` must stay a plain header.
  const result: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) result[name.toLowerCase()] = value;
  }
  return result;
}

/** Reads an ingest request from a payload-format-2.0 event. */
export function toIngestRequest(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
  receivedAt = new Date(),
): IngestRequest {
  const tenant = event.requestContext?.authorizer?.jwt?.claims?.tenant;
  const dryRun = isDryRun(event);
  return {
    streamId: streamIdOf(event, dryRun),
    headers: lowerCaseHeaders(event.headers),
    body: event.body ?? '',
    isBase64Encoded: event.isBase64Encoded === true,
    // API Gateway hands claims over as strings; a claim of another type still names a tenant.
    tenantClaim: tenant === undefined || tenant === null ? undefined : String(tenant),
    requestId: requestIdOf(event, context),
    receivedAt,
    dryRun,
  };
}
