import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  currentSigningKey,
  KEY_PUBLICATION_LEAD_MS,
  newSigningKeySet,
  PRIVATE_JWK_MEMBERS,
  parseSigningKeySet,
  publicJwk,
  publicJwks,
  rotateSigningKeys,
} from '#shared/tokens/signing-keys';
import { selfIssuerAudience, signTenantToken, TENANT_WRITE_SCOPE } from '#shared/tokens/token-claims';

const day = 86_400_000;

describe('signing keys', () => {
  it('signs a token that verifies against the published JWKS with the documented claims', async () => {
    const set = await newSigningKeySet();
    const token = await signTenantToken(currentSigningKey(set), {
      issuer: 'https://issuer.example',
      tenant: 'acme',
      days: 1,
    });
    const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks(set)), {
      issuer: 'https://issuer.example',
      audience: selfIssuerAudience('acme'),
    });
    expect(payload).toMatchObject({ tenant: 'acme', scope: TENANT_WRITE_SCOPE, sub: 'acme-client' });
    expect(payload.exp).toBe((payload.iat ?? 0) + 86_400);
    expect(typeof payload.jti).toBe('string');
  });

  it('never publishes private key members in the JWKS', async () => {
    const jwks = publicJwks(await newSigningKeySet());
    for (const key of jwks.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    }
  });

  it('strips every member of the one private-member list, the rotation check reads the same list', () => {
    expect([...PRIVATE_JWK_MEMBERS].sort()).toEqual(['d', 'dp', 'dq', 'k', 'oth', 'p', 'q', 'qi']);
    const withEveryMember = Object.fromEntries(PRIVATE_JWK_MEMBERS.map((member) => [member, 'secret']));
    expect(publicJwk({ kty: 'RSA', n: 'n', e: 'AQAB', ...withEveryMember })).toEqual({ kty: 'RSA', n: 'n', e: 'AQAB' });
  });

  it('keeps the old public key after a rotation until tokens it signed have expired', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const first = await newSigningKeySet(start);
    const oldToken = await signTenantToken(currentSigningKey(first), {
      issuer: 'i',
      tenant: 'acme',
      days: 30,
      now: start,
    });
    const rotatedAt = new Date(start.getTime() + day);
    const rotated = await rotateSigningKeys(first, 30, rotatedAt);
    expect(rotated.keys).toHaveLength(2);
    expect(currentSigningKey(rotated, new Date(rotatedAt.getTime() + KEY_PUBLICATION_LEAD_MS)).kid).not.toBe(
      currentSigningKey(first).kid,
    );
    await expect(
      jwtVerify(oldToken, createLocalJWKSet(publicJwks(rotated)), { currentDate: new Date(start.getTime() + 2 * day) }),
    ).resolves.toBeDefined();

    const later = await rotateSigningKeys(rotated, 30, new Date(start.getTime() + 40 * day));
    expect(later.keys.map((key) => key.kid)).not.toContain(currentSigningKey(first).kid);
    expect(later.keys).toHaveLength(2);
  });

  it('round-trips through the stored JSON form and refuses a set without private keys', async () => {
    const set = await newSigningKeySet();
    expect(parseSigningKeySet(JSON.stringify(set))).toEqual(set);
    expect(() =>
      parseSigningKeySet(
        JSON.stringify({ version: 1, keys: [{ ...set.keys[0], privateJwk: publicJwks(set).keys[0] }] }),
      ),
    ).toThrow(/private key/);
  });

  it('publishes a new key before it signs, so a cached JWKS never meets an unknown kid', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const first = await newSigningKeySet(start);
    const rotatedAt = new Date(start.getTime() + day);
    const rotated = await rotateSigningKeys(first, 30, rotatedAt);
    const newKid = rotated.keys.at(-1)?.kid;
    const jwksBeforeHandover = publicJwks(rotated).keys.map((key) => key.kid);
    expect(jwksBeforeHandover).toContain(newKid);
    expect(currentSigningKey(rotated, new Date(rotatedAt.getTime() + KEY_PUBLICATION_LEAD_MS - 1)).kid).toBe(
      currentSigningKey(first).kid,
    );
    expect(currentSigningKey(rotated, new Date(rotatedAt.getTime() + KEY_PUBLICATION_LEAD_MS)).kid).toBe(newKid);
  });

  it('keeps an old key until tokens it signed during the publication lead have expired', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const rotated = await rotateSigningKeys(await newSigningKeySet(start), 30, start);
    const oldKid = rotated.keys[0]?.kid;
    const lastOldSigning = new Date(start.getTime() + KEY_PUBLICATION_LEAD_MS - 1);
    const justBeforeExpiry = new Date(lastOldSigning.getTime() + 30 * day - 1);
    const again = await rotateSigningKeys(rotated, 30, justBeforeExpiry);
    expect(again.keys.map((key) => key.kid)).toContain(oldKid);
  });
});
