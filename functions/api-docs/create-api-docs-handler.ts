/** The api-docs Lambda handler for a tenant and a script: middy wiring over {@link answerApiDocs}. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TenantConfig } from '#shared/config/tenant-config';
import { answerApiDocs } from './api-docs-core.ts';
import type { ScalarScript } from './scalar-script.ts';

/**
 * GET /openapi.json, /docs and the docs page's script. The server URL is the host the client
 * called (the API's execute-api domain or a custom domain), always HTTPS on API Gateway.
 */
export function createApiDocsHandler(tenant: TenantConfig, script: ScalarScript) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler((event) =>
    answerApiDocs(
      {
        path: event.rawPath,
        headers: event.headers ?? {},
        serverUrl: `https://${event.requestContext.domainName}`,
        requestId: event.requestContext.requestId,
      },
      { tenant, script },
    ),
  );
}
