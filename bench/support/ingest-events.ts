/** Payload-format-2.0 events for the ingest handler, built as the local gateway builds them. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { buildGatewayEvent } from '#local/gateway/gateway-event';
import { ingestPath } from '#shared/contract/contract';
import { routeScopes } from '#shared/tokens/token-claims';

/** The event API Gateway hands the function for one authorized POST to a stream. */
export function ingestEvent(
  tenant: string,
  streamId: string,
  contentType: string,
  body: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const bytes = Buffer.from(body, 'utf8');
  const path = ingestPath(streamId);
  const now = new Date();
  const rawHeaders = [
    'host',
    'abc123.execute-api.us-east-1.amazonaws.com',
    'content-type',
    contentType,
    'content-length',
    String(bytes.length),
    'authorization',
    `Bearer ${'e'.repeat(700)}`,
    'user-agent',
    'sluice-bench/1',
  ];
  const scopes = [...routeScopes(streamId)];
  return buildGatewayEvent(
    { method: 'POST', url: path, rawHeaders, body: bytes, sourceIp: '203.0.113.7', httpVersion: '1.1' },
    {
      routeKey: `POST ${path}`,
      pathParameters: { streamId },
      claims: {
        iss: 'https://abc123.execute-api.us-east-1.amazonaws.com',
        sub: 'bench',
        tenant,
        scope: scopes.join(' '),
        exp: Math.floor(now.getTime() / 1000) + 3600,
      },
      scopes,
    },
    { accountId: '123456789012', apiId: 'abc123', domainName: 'abc123.execute-api.us-east-1.amazonaws.com' },
    'bench-request-id=',
    now,
  );
}
