/**
 * The self issuer's public JWKS in an SSM String parameter, so that the public discovery
 * function reads public keys only and has no access to the secret that holds the private ones.
 * The bootstrap and the rotation write it; discovery reads it.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { JWK } from 'jose';
import { publicJwks, type SigningKeySet } from '#shared/signing-keys';

/** The JWKS document as served at the JWKS path. */
export type Jwks = { readonly keys: readonly JWK[] };

/**
 * Name of a tenant's JWKS parameter. The key bootstrap creates and owns it, not
 * CloudFormation: an `AWS::SSM::Parameter` is rewritten with its template value on any
 * change to its description or tags, which would publish an empty JWKS until the next rotation.
 */
export function jwksParameterName(tenant: string): string {
  return `/sluice/${tenant}/jwks`;
}

/**
 * Largest value of a standard-tier parameter. A public RSA-2048 key with `kid`, `alg` and
 * `use` takes about 452 bytes, so 3 keys take about 1.4 KB and the limit holds 9.
 */
export const JWKS_PARAMETER_MAX_BYTES = 4096;

/**
 * How many keys scheduled rotation may keep published: 9 fit in {@link JWKS_PARAMETER_MAX_BYTES}
 * (about 452 bytes each), one is left for a rotation made by hand.
 */
export const JWKS_PARAMETER_MAX_KEYS = 8;

/**
 * How many keys scheduled rotation keeps published: the new one, the one it retires, and
 * one per earlier rotation within `maxTokenDays`. Each rotation made by hand adds one more.
 */
export function scheduledKeyCount(rotationDays: number, maxTokenDays: number): number {
  return Math.floor(maxTokenDays / rotationDays) + 2;
}

/** The public JWKS of a key set, as the parameter stores it; throws when it would not fit. */
export function jwksParameterValue(set: SigningKeySet): string {
  const value = JSON.stringify(publicJwks(set));
  const bytes = Buffer.byteLength(value);
  if (bytes > JWKS_PARAMETER_MAX_BYTES) {
    throw new Error(
      `the public JWKS of ${set.keys.length} keys takes ${bytes} bytes, over the ${JWKS_PARAMETER_MAX_BYTES} of a standard SSM parameter; rotate less often or lower maxTokenDays`,
    );
  }
  return value;
}

/**
 * Creates or overwrites the parameter with the public JWKS of `set`, with `description`
 * when given. Idempotent: the same set writes the same value.
 */
export async function publishJwks(
  client: SSMClient,
  parameterName: string,
  set: SigningKeySet,
  description?: string,
): Promise<void> {
  await client.send(
    new PutParameterCommand({
      Name: parameterName,
      Value: jwksParameterValue(set),
      Type: 'String',
      Tier: 'Standard',
      Overwrite: true,
      ...(description ? { Description: description } : {}),
    }),
  );
}

/** Deletes the parameter; one that is already gone is not an error. */
export async function deleteJwks(client: SSMClient, parameterName: string): Promise<void> {
  try {
    await client.send(new DeleteParameterCommand({ Name: parameterName }));
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  }
}

/** Reads and parses the published JWKS; throws when the parameter holds no JWKS. */
export async function readJwks(client: SSMClient, parameterName: string): Promise<Jwks> {
  const result = await client.send(new GetParameterCommand({ Name: parameterName }));
  const parsed: unknown = JSON.parse(result.Parameter?.Value ?? 'null');
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new Error(`parameter ${parameterName} holds no JWKS`);
  }
  return parsed as Jwks;
}

/**
 * A reader that keeps the published JWKS for `ttlMs`, so that discovery answers do not call
 * SSM on every request. A short delay is harmless: a rotated-in key is published for
 * `KEY_PUBLICATION_LEAD_MS` before it signs, and a retired one stays long after.
 */
export function cachedJwksReader(
  client: SSMClient,
  parameterName: string,
  ttlMs: number,
  clock: () => number = Date.now,
): () => Promise<Jwks> {
  let cached: { readonly jwks: Jwks; readonly until: number } | undefined;
  return async () => {
    const now = clock();
    if (cached && cached.until > now) return cached.jwks;
    const jwks = await readJwks(client, parameterName);
    cached = { jwks, until: now + ttlMs };
    return jwks;
  };
}
