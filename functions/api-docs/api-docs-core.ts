/**
 * The API's self-description, answered without a token on AWS (the api-docs function) and in
 * local mode (the gateway calls this same core): the tenant's OpenAPI document, the docs page,
 * and the API reference script the page loads, gzipped when the client takes gzip.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemResponse } from '#functions/shared/problem-response';
import type { TenantConfig } from '#shared/config/tenant-config';
import { API_REFERENCE_SCRIPT_PATH, DOCS_PATH, OPENAPI_PATH } from '#shared/contract/contract';
import { UnknownPathError } from '#shared/contract/errors';
import { openApiDocument } from '#shared/openapi/openapi';
import { acceptsGzip } from './accept-encoding.ts';
import { DOCS_CONTENT_SECURITY_POLICY, docsPageHtml } from './docs-page.ts';
import type { ScalarScript } from './scalar-script.ts';

/** One GET as the core needs it. */
export interface ApiDocsRequest {
  readonly path: string;
  /** Header names in lower case, as payload format 2.0 and Node give them. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The API's base URL as the client reached it; the document names it as its server. */
  readonly serverUrl: string;
  readonly requestId: string;
}

/** What the core serves. */
export interface ApiDocsDependencies {
  readonly tenant: TenantConfig;
  readonly script: ScalarScript;
}

/** The script's URL carries its content hash, so a cached copy can never be stale. */
const SCRIPT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Answers one of the api-docs paths (shared/openapi/api-docs.ts); 404 for any other path. */
export function answerApiDocs(request: ApiDocsRequest, deps: ApiDocsDependencies): APIGatewayProxyStructuredResultV2 {
  if (request.path === OPENAPI_PATH) {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        // Revalidated each time: it changes with every deploy of the tenant config.
        'cache-control': 'no-cache',
        // Client generators and editors on other origins read it; it holds nothing secret.
        'access-control-allow-origin': '*',
      },
      body: JSON.stringify(openApiDocument(deps.tenant, { serverUrl: request.serverUrl })),
    };
  }
  if (request.path === DOCS_PATH) {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': DOCS_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
      body: docsPageHtml(deps.tenant.tenant, deps.script.version()),
    };
  }
  if (request.path === API_REFERENCE_SCRIPT_PATH) {
    const gzip = acceptsGzip(request.headers['accept-encoding']);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': SCRIPT_CACHE_CONTROL,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body: (gzip ? deps.script.gzipped() : deps.script.plain()).toString('base64'),
      isBase64Encoded: true,
    };
  }
  return problemResponse(new UnknownPathError(`no public route serves GET ${request.path}`), request.requestId);
}
