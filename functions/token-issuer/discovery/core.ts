/**
 * The self issuer's discovery endpoints: the OpenID configuration and the JWKS, the latter
 * read from the public SSM parameter that the bootstrap and the rotation write. This function
 * never sees a private key: its role cannot read the key set secret.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemResponse } from '#functions/shared/problem-response';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract/contract';
import { UnknownPathError } from '#shared/contract/errors';
import { openIdConfiguration } from '#shared/tokens/signing-keys';
import type { Jwks } from '../jwks-parameter.ts';

/** What the discovery core needs: the issuer URL and a way to read the published JWKS. */
export interface DiscoveryDependencies {
  readonly issuer: string;
  readonly readJwks: () => Promise<Jwks>;
}

/** How long clients and the JWT authorizer may cache an answer. */
export const DISCOVERY_CACHE_SECONDS = 300;

const json = (body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${DISCOVERY_CACHE_SECONDS}` },
  body: JSON.stringify(body),
});

/** Answers GET of the OpenID configuration or the JWKS; 404 for any other path. */
export async function answerDiscovery(
  event: { readonly rawPath: string; readonly requestContext: { readonly requestId: string } },
  deps: DiscoveryDependencies,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (event.rawPath === OPENID_CONFIGURATION_PATH) {
    return json(openIdConfiguration(deps.issuer, `${deps.issuer}${JWKS_PATH}`));
  }
  if (event.rawPath === JWKS_PATH) {
    return json(await deps.readJwks());
  }
  return problemResponse(
    new UnknownPathError(`no public route serves GET ${event.rawPath}`),
    event.requestContext.requestId,
  );
}
