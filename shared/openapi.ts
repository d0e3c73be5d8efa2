/**
 * PLACEHOLDER, replaced at merge by the real generator (issue 13): the tenant's OpenAPI 3.1
 * document, minimal but valid, with a POST path per stream and the stream's scope.
 */
import { CONTENT_TYPES, CONTRACT_STATUS, ingestPath } from './contract.ts';
import type { TenantConfig } from './tenant-config.ts';
import { routeScopes } from './token-claims.ts';

/** An OpenAPI 3.1 document as JSON. */
export type OpenApiDocument = {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Record<string, unknown>;
  readonly components: Record<string, unknown>;
};

/** The tenant's OpenAPI document, its server at `serverUrl`. */
export function openApiDocument(tenant: TenantConfig, options: { serverUrl: string }): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  for (const stream of Object.values(tenant.streams)) {
    const types = stream.payload === 'xml' ? CONTENT_TYPES.xml : CONTENT_TYPES.json;
    paths[ingestPath(stream.id)] = {
      post: {
        operationId: `post-${stream.id}`,
        summary: `Post records to ${stream.id}`,
        tags: [stream.id],
        security: [{ bearer: routeScopes(stream.id) }],
        requestBody: {
          required: true,
          content: Object.fromEntries(
            types.map((type) => [type, { schema: stream.payload === 'xml' ? { type: 'string' } : { type: 'object' } }]),
          ),
        },
        responses: {
          [String(CONTRACT_STATUS.accepted.status)]: { description: CONTRACT_STATUS.accepted.when },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: `Sluice ${tenant.tenant}`, version: '0' },
    servers: [{ url: options.serverUrl }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
