/**
 * Makes the first signing key at deploy time (a CloudFormation custom resource), so that a
 * key exists as soon as the stack is up, before the first rotation and the first token.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { newSigningKeySet } from '#shared/signing-keys';
import { readKeySetIfValid, writeKeySet } from '../key-store.ts';

/** What the Provider framework expects back. */
export interface BootstrapResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly created: string };
}

/**
 * Writes a fresh key set unless the secret already holds one with an active key. Idempotent,
 * so a retried or updated custom resource never replaces keys that have signed tokens.
 * Deleting the resource leaves the secret alone (the secret's own removal policy decides).
 */
export async function ensureSigningKeySet(
  event: CloudFormationCustomResourceEvent,
  client: SecretsManagerClient,
  now = new Date(),
): Promise<BootstrapResult> {
  const secretId = String(event.ResourceProperties.SecretId ?? '');
  if (!secretId) throw new Error('the SecretId property is required');
  const physicalResourceId = `signing-keys:${secretId}`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId, Data: { created: 'false' } };
  if (await readKeySetIfValid(client, secretId)) {
    return { PhysicalResourceId: physicalResourceId, Data: { created: 'false' } };
  }
  await writeKeySet(client, secretId, await newSigningKeySet(now));
  return { PhysicalResourceId: physicalResourceId, Data: { created: 'true' } };
}
