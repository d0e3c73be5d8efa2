/**
 * The credential chain of Sluice's Lambda functions. The bundler puts it in place of the SDK's
 * default chain (`@aws-sdk/credential-provider-node`, see HOUSE_BUNDLING in infra/), because in
 * Lambda only two of that chain's links can ever apply: the execution role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, which Lambda sets for every
 * function, and a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) for
 * environments that serve them that way. The other links (profiles, SSO, process, web identity,
 * IMDS, with their nested STS and SSO clients) were 135 KB of the ingest bundle and 13 ms of its
 * cold import (docs/performance.md).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** What the SDK clients pass to their credential provider factory. */
type ProviderInit = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

const CONTAINER_URI_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

function servedByContainerEndpoint(): boolean {
  const hasEnvironmentKeys = Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY);
  return !hasEnvironmentKeys && CONTAINER_URI_VARIABLES.some((name) => Boolean(process.env[name]));
}

/**
 * Same name and shape as the SDK's `defaultProvider`: the environment's credentials, or the
 * container endpoint's when the environment has none and names one; memoized and refreshed
 * before expiry as the SDK's own chain is.
 */
export function defaultProvider(init: ProviderInit = {}): AwsCredentialIdentityProvider {
  const resolve: AwsCredentialIdentityProvider = () =>
    servedByContainerEndpoint() ? fromHttp(init)() : fromEnv(init)();
  const memoized = memoizeIdentityProvider<AwsCredentialIdentity>(
    resolve,
    isIdentityExpired,
    doesIdentityRequireRefresh,
  );
  return memoized ?? resolve;
}
