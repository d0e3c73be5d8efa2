/**
 * Makes the first signing key at deploy time (a CloudFormation custom resource), so that a
 * key exists as soon as the stack is up, before the first rotation and the first token, and
 * publishes its public JWKS to the parameter that the discovery function reads. This
 * resource owns that parameter: CloudFormation would write its template value back over
 * the published keys on any change to the parameter's description or tags.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { newSigningKeySet } from '#shared/tokens/signing-keys';
import { deleteJwks, publishJwks } from '../jwks-parameter.ts';
import { readKeySetIfValid, writeKeySet } from '../key-store.ts';

/** What the Provider framework expects back. */
export interface BootstrapResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly created: string };
}

/**
 * Writes a fresh key set unless the secret already holds one with an active key. Idempotent,
 * so a retried or updated custom resource never replaces keys that have signed tokens.
 * Either way it (re)publishes the current public JWKS, creating the parameter if needed:
 * that heals a parameter left behind by an interrupted deployment, and any change to the
 * `JwksParameter` or `JwksDescription` property arrives as an Update that publishes again.
 * Deleting the resource deletes the parameter (public keys only) and leaves the secret
 * alone (the secret's own removal policy decides).
 */
export async function ensureSigningKeySet(
  event: CloudFormationCustomResourceEvent,
  secrets: SecretsManagerClient,
  ssm: SSMClient,
  now = new Date(),
): Promise<BootstrapResult> {
  const secretId = String(event.ResourceProperties.SecretId ?? '');
  if (!secretId) throw new Error('the SecretId property is required');
  const parameterName = String(event.ResourceProperties.JwksParameter ?? '');
  if (!parameterName) throw new Error('the JwksParameter property is required');
  const description = String(event.ResourceProperties.JwksDescription ?? '');
  // Unchanged across updates, so CloudFormation never replaces this resource and never
  // sends the Delete that would remove a parameter the new resource has just written.
  const physicalResourceId = `signing-keys:${secretId}`;
  if (event.RequestType === 'Delete') {
    await deleteJwks(ssm, parameterName);
    return { PhysicalResourceId: physicalResourceId, Data: { created: 'false' } };
  }
  const existing = await readKeySetIfValid(secrets, secretId);
  if (existing) {
    await publishJwks(ssm, parameterName, existing, description);
    return { PhysicalResourceId: physicalResourceId, Data: { created: 'false' } };
  }
  const set = await newSigningKeySet(now);
  // A crash between the two fails this deployment; the next one's Update finds the key set
  // and publishes it through the branch above.
  await writeKeySet(secrets, secretId, set);
  await publishJwks(ssm, parameterName, set, description);
  return { PhysicalResourceId: physicalResourceId, Data: { created: 'true' } };
}
