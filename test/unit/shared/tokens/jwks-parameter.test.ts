import { describe, expect, it } from 'vitest';
import {
  JWKS_PARAMETER_MAX_BYTES,
  JWKS_PARAMETER_MAX_KEYS,
  jwksParameterValue,
  scheduledKeyCount,
} from '#shared/tokens/jwks-parameter';
import { newSigningKeySet, rotateSigningKeys, type SigningKeySet } from '#shared/tokens/signing-keys';

const day = 86_400_000;

describe('the JWKS parameter value', () => {
  it('fits a standard SSM parameter with 3 RSA-2048 keys (about 1.4 KB of 4 KB)', async () => {
    let set = await newSigningKeySet();
    set = await rotateSigningKeys(set, 30);
    set = await rotateSigningKeys(set, 30);
    expect(set.keys).toHaveLength(3);
    expect(Buffer.byteLength(jwksParameterValue(set))).toBeLessThan(1500);
  });

  it('fits as many keys as the synth-time check allows plus one rotation by hand, and refuses a set larger than that', async () => {
    const one = await newSigningKeySet();
    const key = one.keys[0];
    if (!key) throw new Error('no key');
    const withKeys = (count: number): SigningKeySet => ({ ...one, keys: Array.from({ length: count }, () => key) });
    expect(Buffer.byteLength(jwksParameterValue(withKeys(JWKS_PARAMETER_MAX_KEYS + 1)))).toBeLessThanOrEqual(
      JWKS_PARAMETER_MAX_BYTES,
    );
    expect(() => jwksParameterValue(withKeys(JWKS_PARAMETER_MAX_KEYS + 2))).toThrow(/standard SSM parameter/);
  });

  it('counts the keys that scheduled rotation keeps published', async () => {
    const rotationDays = 10;
    const maxTokenDays = 20;
    const start = new Date('2025-01-01T00:00:00Z').getTime();
    let set = await newSigningKeySet(new Date(start));
    let most = set.keys.length;
    for (let rotation = 1; rotation <= 6; rotation++) {
      set = await rotateSigningKeys(set, maxTokenDays, new Date(start + rotation * rotationDays * day));
      most = Math.max(most, set.keys.length);
    }
    expect(most).toBe(scheduledKeyCount(rotationDays, maxTokenDays));
  });
});
