/**
 * The self issuer's public JWKS in an SSM String parameter, so that the public discovery
 * function reads public keys only and has no access to the secret that holds the private ones.
 * The bootstrap and the rotation write it; discovery reads it. Its name and size limits are
 * in shared/tokens/jwks-parameter.ts.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { JWK } from 'jose';
import { jwksParameterValue } from '#shared/tokens/jwks-parameter';
import type { SigningKeySet } from '#shared/tokens/signing-keys';

/** The JWKS document as served at the JWKS path. */
export type Jwks = { readonly keys: readonly JWK[] };

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
