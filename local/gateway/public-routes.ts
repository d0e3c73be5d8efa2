/**
 * The gateway's public GET routes: health, the self issuer's discovery documents
 * (/.well-known/openid-configuration and jwks.json), the OpenAPI document, the docs page and
 * its script. Each is answered by the same core as its Lambda function on AWS (answerDiscovery,
 * answerApiDocs), so headers such as cache-control and the 404 problem body are the same, and
 * each route has its own token bucket with the numbers of the HTTP API's public route throttle
 * (PUBLIC_ROUTE_THROTTLE), as each route has its own route settings on AWS. The docs script is
 * read from the installed package on first use and gzipped once.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JSONWebKeySet } from 'jose';
import { answerApiDocs } from '#functions/api-docs/api-docs-core';
import { type ScalarScript, scalarScriptFromFile } from '#functions/api-docs/scalar-script';
import { answerDiscovery } from '#functions/token-issuer/discovery/core';
import type { TenantConfig } from '#shared/config/tenant-config';
import { HEALTH_PATH, JWKS_PATH, OPENID_CONFIGURATION_PATH, PUBLIC_ROUTE_THROTTLE } from '#shared/contract/contract';
import { API_DOCS_PATHS, SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import { gatewayError } from './gateway-responses.ts';
import { TokenBucket } from './token-bucket.ts';

// One per process: the 3.5 MB script and its gzipped copy are the same for every server.
let localScript: ScalarScript | undefined;

/** What the health function on AWS answers (infra/constructs/ingest/ingest-api.ts). */
const HEALTH_ANSWER: APIGatewayProxyStructuredResultV2 = {
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: '{"status":"ok"}',
};

/** Answers a public GET route (or 429 when its bucket is empty); undefined for any other path. */
export type PublicRoutes = (
  path: string,
  headers: IncomingHttpHeaders,
  requestId: string,
) => Promise<APIGatewayProxyStructuredResultV2> | undefined;

/** What the public routes serve. */
export interface PublicRoutesOptions {
  readonly tenant: TenantConfig;
  /** The gateway's base URL: the issuer of its tokens and the server the OpenAPI document names. */
  readonly serverUrl: string;
  /** The local issuer's public keys. */
  readonly jwks: () => JSONWebKeySet;
  /** Milliseconds, for the throttle. */
  readonly clock?: () => number;
}

/** The public GET routes of a tenant's local gateway. */
export function createPublicRoutes(options: PublicRoutesOptions): PublicRoutes {
  const { tenant, serverUrl, jwks } = options;
  const clock = options.clock ?? (() => performance.now());
  const { rate, burst } = PUBLIC_ROUTE_THROTTLE;
  const paths = [HEALTH_PATH, OPENID_CONFIGURATION_PATH, JWKS_PATH, ...API_DOCS_PATHS];
  const buckets = new Map(paths.map((path) => [path, new TokenBucket(rate, burst, clock)]));
  const readJwks = async () => jwks();

  function answer(path: string, headers: IncomingHttpHeaders, requestId: string) {
    if (path === HEALTH_PATH) return Promise.resolve(HEALTH_ANSWER);
    if (path === OPENID_CONFIGURATION_PATH || path === JWKS_PATH) {
      return answerDiscovery({ rawPath: path, requestContext: { requestId } }, { issuer: serverUrl, readJwks });
    }
    localScript ??= scalarScriptFromFile(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
    const flatHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
    );
    return Promise.resolve(
      answerApiDocs({ path, headers: flatHeaders, serverUrl, requestId }, { tenant, script: localScript }),
    );
  }

  return (path, headers, requestId) => {
    const bucket = buckets.get(path);
    if (!bucket) return undefined;
    if (!bucket.tryTake()) return Promise.resolve(gatewayError(429));
    return answer(path, headers, requestId);
  };
}
