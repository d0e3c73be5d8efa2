/**
 * Reading and writing the self issuer's key set in Secrets Manager. The secret's value is
 * exactly `JSON.stringify(SigningKeySet)`, which the CLI reads back to sign tokens.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { hasSigningKey, parseSigningKeySet, type SigningKeySet } from '#shared/tokens/signing-keys';

/** Which version of the secret to read: a staging label, or a version id with its label. */
export type SecretVersion = { readonly stage: 'AWSCURRENT' | 'AWSPENDING'; readonly versionId?: string };

/** Reads and parses one version of the key set; throws when it is missing or not a key set. */
export async function readKeySet(
  client: SecretsManagerClient,
  secretId: string,
  version: SecretVersion = { stage: 'AWSCURRENT' },
): Promise<SigningKeySet> {
  const result = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      VersionStage: version.stage,
      ...(version.versionId === undefined ? {} : { VersionId: version.versionId }),
    }),
  );
  if (result.SecretString === undefined) throw new Error(`secret ${secretId} has no string value`);
  return parseSigningKeySet(result.SecretString);
}

/**
 * Reads the pending version `versionId`, or `undefined` while nothing has been written to it:
 * Secrets Manager stages AWSPENDING on the version before createSecret puts a value, so the
 * version is absent (or has an empty value) until then.
 */
export async function readPendingKeySet(
  client: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<SigningKeySet | undefined> {
  let value: string | undefined;
  try {
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', VersionId: versionId }),
    );
    value = result.SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  return value === undefined || value.trim() === '' ? undefined : parseSigningKeySet(value);
}

/**
 * Reads the current key set, or `undefined` when the secret still holds the placeholder
 * that CloudFormation generated (before the first key was made) or a set without an active key.
 */
export async function readKeySetIfValid(
  client: SecretsManagerClient,
  secretId: string,
): Promise<SigningKeySet | undefined> {
  try {
    const set = await readKeySet(client, secretId);
    return hasSigningKey(set) ? set : undefined;
  } catch (error) {
    if (error instanceof SyntaxError || (error instanceof Error && error.message.startsWith('not a Sluice'))) {
      return undefined;
    }
    throw error;
  }
}

/** Writes a key set as a new version with the given staging labels. */
export async function writeKeySet(
  client: SecretsManagerClient,
  secretId: string,
  set: SigningKeySet,
  options: { readonly versionId?: string; readonly stages?: readonly string[] } = {},
): Promise<void> {
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: JSON.stringify(set),
      ...(options.versionId === undefined ? {} : { ClientRequestToken: options.versionId }),
      ...(options.stages === undefined ? {} : { VersionStages: [...options.stages] }),
    }),
  );
}
