import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtAuthorizer } from '#local/jwt-authorizer';
import { currentSigningKey, newSigningKeySet, publicJwks } from '#shared/signing-keys';
import { routeScopes, signTenantToken } from '#shared/token-claims';

const ISSUER = 'http://127.0.0.1:4000';
const keySet = await newSigningKeySet();
const otherKeySet = await newSigningKeySet();
const authorizer = createJwtAuthorizer({
  issuer: ISSUER,
  audience: ['sluice-example'],
  jwks: () => publicJwks(keySet),
});

const token = (
  overrides: { issuer?: string; tenant?: string; streams?: string[]; now?: Date; set?: typeof keySet } = {},
) =>
  signTenantToken(currentSigningKey(overrides.set ?? keySet), {
    issuer: overrides.issuer ?? ISSUER,
    tenant: overrides.tenant ?? 'example',
    days: 1,
    ...(overrides.streams ? { streams: overrides.streams } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  });

describe('the local JWT authorizer', () => {
  it('authorizes a tenant-wide token and hands over its claims and scopes', async () => {
    const result = await authorizer.authorize(`Bearer ${await token()}`, routeScopes('orders'));
    expect(result).toMatchObject({ ok: true, scopes: ['sluice/write'], claims: { tenant: 'example', iss: ISSUER } });
  });

  it('answers 401 with a bare Bearer challenge when there is no token', async () => {
    expect(await authorizer.authorize(undefined, routeScopes('orders'))).toEqual({
      ok: false,
      status: 401,
      challenge: 'Bearer',
    });
  });

  it.each([
    ['a signature by another key', () => token({ set: otherKeySet }), 'was not signed by a key of the issuer'],
    ['an expired token', () => token({ now: new Date(Date.now() - 2 * 86_400_000) }), 'has expired'],
    ['another audience', () => token({ tenant: 'other' }), 'does not have a valid audience'],
    ['another issuer', () => token({ issuer: 'http://127.0.0.1:9' }), 'does not have a valid issuer'],
    ['a token that is not a JWT', async () => 'not-a-jwt', 'is not a valid JWT'],
  ])('answers 401 invalid_token for %s', async (_case, make, description) => {
    const result = await authorizer.authorize(`Bearer ${await make()}`, routeScopes('orders'));
    expect(result).toMatchObject({ ok: false, status: 401 });
    expect(result.ok ? '' : result.challenge).toBe(
      `Bearer scope="" error="invalid_token" error_description="the token ${description}"`,
    );
  });

  it('answers 401 for a token that is not valid yet', async () => {
    const key = currentSigningKey(keySet);
    const { importJWK } = await import('jose');
    const early = await new SignJWT({ scope: 'sluice/write' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience('sluice-example')
      .setNotBefore('1h')
      .setExpirationTime('2h')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    expect(await authorizer.authorize(`Bearer ${early}`, routeScopes('orders'))).toMatchObject({ status: 401 });
  });

  it('answers 403 insufficient_scope for a token scoped to another stream', async () => {
    const result = await authorizer.authorize(`Bearer ${await token({ streams: ['events'] })}`, routeScopes('orders'));
    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(result.ok ? '' : result.challenge).toContain('error="insufficient_scope"');
  });

  it('accepts a stream-scoped token on its own stream, and the scopes of an scp list', async () => {
    expect(
      await authorizer.authorize(`Bearer ${await token({ streams: ['orders'] })}`, routeScopes('orders')),
    ).toMatchObject({
      ok: true,
      scopes: ['sluice/write:orders'],
    });
    const key = currentSigningKey(keySet);
    const { importJWK } = await import('jose');
    const scp = await new SignJWT({ scp: ['sluice/write:orders'] })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience('sluice-example')
      .setExpirationTime('1h')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    expect(await authorizer.authorize(`Bearer ${scp}`, routeScopes('orders'))).toMatchObject({ ok: true });
  });
});
