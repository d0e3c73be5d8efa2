/**
 * The gateway's public docs routes: GET /openapi.json, /docs and the docs page's script,
 * answered by the api-docs function's own core, each route under its own token bucket with the
 * numbers of the HTTP API's public route throttle. The script is read from the installed
 * package on first use and gzipped once.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { answerApiDocs } from '#functions/api-docs/api-docs-core';
import { type ScalarScript, scalarScriptFromFile } from '#functions/api-docs/scalar-script';
import type { TenantConfig } from '#shared/config/tenant-config';
import { PUBLIC_ROUTE_THROTTLE } from '#shared/contract/contract';
import { API_DOCS_PATHS, SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import { gatewayError } from './gateway-responses.ts';
import { TokenBucket } from './token-bucket.ts';

// One per process: the 3.5 MB script and its gzipped copy are the same for every server.
let localScript: ScalarScript | undefined;

/** Answers a docs route (or 429 when its bucket is empty); undefined for any other path. */
export type ApiDocsRoute = (
  path: string,
  headers: IncomingHttpHeaders,
  requestId: string,
) => APIGatewayProxyStructuredResultV2 | undefined;

/** The docs routes of a tenant whose gateway is reached at `serverUrl`; `clock` (ms) drives the throttle. */
export function createApiDocsRoute(
  tenant: TenantConfig,
  serverUrl: string,
  clock: () => number = () => performance.now(),
): ApiDocsRoute {
  const { rate, burst } = PUBLIC_ROUTE_THROTTLE;
  const buckets = new Map(API_DOCS_PATHS.map((path) => [path, new TokenBucket(rate, burst, clock)]));
  return (path, headers, requestId) => {
    const bucket = buckets.get(path);
    if (!bucket) return undefined;
    if (!bucket.tryTake()) return gatewayError(429);
    localScript ??= scalarScriptFromFile(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
    const flatHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
    );
    return answerApiDocs({ path, headers: flatHeaders, serverUrl, requestId }, { tenant, script: localScript });
  };
}
