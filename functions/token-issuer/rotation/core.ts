/**
 * Secrets Manager rotation of the self issuer's key set, in its four steps. A rotation adds
 * a new signing key and retires the current one; retired public keys stay in the JWKS for
 * `maxTokenDays` (no token they signed can outlive that) and are dropped at a later rotation.
 * finishSecret publishes the new set's public JWKS to the SSM parameter that discovery reads.
 */
import {
  DescribeSecretCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  newestSigningKey,
  newSigningKeySet,
  PRIVATE_JWK_MEMBERS,
  publicJwks,
  rotateSigningKeys,
  type SigningKeySet,
} from '#shared/tokens/signing-keys';
import { selfIssuerAudience, signTenantToken } from '#shared/tokens/token-claims';
import { publishJwks } from '../jwks-parameter.ts';
import { readKeySet, readKeySetIfValid, readPendingKeySet, writeKeySet } from '../key-store.ts';

/** Settings of the rotation. */
export interface RotationOptions {
  readonly maxTokenDays: number;
  /** Name of the SSM parameter that holds the public JWKS. */
  readonly jwksParameter: string;
  readonly now?: Date;
}

/** Runs one step of a Secrets Manager rotation for the key set secret. */
export async function rotateSigningKeySecret(
  event: SecretsManagerRotationEvent,
  client: SecretsManagerClient,
  ssm: SSMClient,
  options: RotationOptions,
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token } = event;
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!described.RotationEnabled) throw new Error(`rotation is not enabled for ${secretId}`);
  const stages = described.VersionIdsToStages?.[token];
  if (!stages) throw new Error(`version ${token} of ${secretId} has no stage`);
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new Error(`version ${token} of ${secretId} is not pending`);

  switch (event.Step) {
    case 'createSecret':
      return createPendingKeySet(client, secretId, token, options);
    case 'setSecret':
      // Nothing outside Secrets Manager uses the private keys; the public JWKS is published
      // in finishSecret, once the pending set has passed testSecret.
      return;
    case 'testSecret':
      return testPendingKeySet(await pendingKeySet(client, secretId, token, options));
    case 'finishSecret': {
      const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, labels]) =>
        labels.includes('AWSCURRENT'),
      )?.[0];
      // Publish first, then move AWSCURRENT. The pending set holds every key of the current
      // one that may still verify a token, plus the new key, which signs only after
      // KEY_PUBLICATION_LEAD_MS; so publishing it early is safe. A crash after the publication
      // leaves the stage unmoved, and Secrets Manager retries finishSecret, which publishes
      // the same set again (idempotent) and then moves it. Moving first would risk a current
      // set whose keys never reach the JWKS: a retry returns early above once the version is
      // AWSCURRENT, so nothing would publish it until the next rotation. A rotation abandoned
      // after the publication leaves a JWKS that still holds every key the current set signs
      // with; the next rotation publishes afresh.
      await publishJwks(
        ssm,
        options.jwksParameter,
        await readKeySet(client, secretId, { stage: 'AWSPENDING', versionId: token }),
      );
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(current === undefined ? {} : { RemoveFromVersionId: current }),
        }),
      );
      return;
    }
    default:
      throw new Error(`unknown rotation step ${String(event.Step)}`);
  }
}

/**
 * The pending set that testSecret checks. At the first rotation after the stack is created
 * the pending version may still be absent or empty when testSecret runs; then it is written
 * exactly as createSecret would write it, so the step tests the set that finishSecret publishes.
 */
async function pendingKeySet(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  options: RotationOptions,
): Promise<SigningKeySet> {
  const pending = await readPendingKeySet(client, secretId, token);
  if (pending) return pending;
  await createPendingKeySet(client, secretId, token, options);
  return readKeySet(client, secretId, { stage: 'AWSPENDING', versionId: token });
}

async function createPendingKeySet(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  options: RotationOptions,
): Promise<void> {
  // A retried createSecret must not make a second key.
  if (await readPendingKeySet(client, secretId, token)) return;
  const now = options.now ?? new Date();
  const current = await readKeySetIfValid(client, secretId);
  // A secret that still holds CloudFormation's placeholder gets its first key here.
  const next = current ? await rotateSigningKeys(current, options.maxTokenDays, now) : await newSigningKeySet(now);
  await writeKeySet(client, secretId, next, { versionId: token, stages: ['AWSPENDING'] });
}

/** The pending set must sign a token that its own public JWKS verifies, and publish no private member. */
export async function testPendingKeySet(set: SigningKeySet): Promise<void> {
  const jwks = publicJwks(set);
  for (const key of jwks.keys) {
    const leaked = PRIVATE_JWK_MEMBERS.filter((member) => member in key);
    if (leaked.length > 0) throw new Error(`the JWKS would publish private members: ${leaked.join(', ')}`);
  }
  const issuer = 'https://rotation-test.invalid';
  const token = await signTenantToken(newestSigningKey(set), { issuer, tenant: 'rotation-test', days: 1 });
  await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience: selfIssuerAudience('rotation-test') });
}
