/**
 * The self issuer's public JWKS parameter: its name, its size limit and the key counts that
 * fit in it. Pure, so that the stack checks a tenant's rotation settings at synth time with
 * the same numbers the rotation enforces, without importing the functions' SSM client.
 */
import { publicJwks, type SigningKeySet } from './signing-keys.ts';

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
