import { importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtAuthorizer } from '#local/gateway/jwt-authorizer';
import { currentSigningKey, newSigningKeySet, publicJwks } from '#shared/tokens/signing-keys';
import { routeScopes, signTenantToken } from '#shared/tokens/token-claims';

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

  it('takes the token with or without the Bearer prefix, as the HTTP API identity source does', async () => {
    const raw = await token();
    expect(await authorizer.authorize(raw, routeScopes('orders'))).toMatchObject({ ok: true });
    expect(await authorizer.authorize(`Basic ${raw}`, routeScopes('orders'))).toMatchObject({ ok: false, status: 401 });
  });

  it('hands every claim over as a string, as API Gateway does', async () => {
    const result = await authorizer.authorize(`Bearer ${await token()}`, routeScopes('orders'));
    if (!result.ok) throw new Error('expected the token to pass');
    expect(typeof result.claims.iat).toBe('string');
    expect(typeof result.claims.exp).toBe('string');
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

describe('the local JWT authorizer with a token it has verified before', () => {
  const start = new Date('2026-11-24T12:00:00Z');
  const second = 1000;

  const clockedAuthorizer = (jwks: () => ReturnType<typeof publicJwks>, cacheSize?: number) => {
    const clock = { now: start };
    const made = createJwtAuthorizer({
      issuer: ISSUER,
      audience: ['sluice-example'],
      jwks,
      now: () => clock.now,
      ...(cacheSize === undefined ? {} : { cacheSize }),
    });
    return { authorizer: made, clock };
  };

  it('answers exactly as a fresh authorizer at every second around the expiry', async () => {
    const shortLived = await new SignJWT({ scope: 'sluice/write' })
      .setProtectedHeader({ alg: 'RS256', kid: currentSigningKey(keySet).kid })
      .setIssuer(ISSUER)
      .setAudience('sluice-example')
      .setExpirationTime(Math.floor(start.getTime() / second) + 2)
      .sign(await importJWK(currentSigningKey(keySet).privateJwk, 'RS256'));
    const cached = clockedAuthorizer(() => publicJwks(keySet));
    const seen: string[] = [];
    for (const offset of [0, 1, 2, 3]) {
      cached.clock.now = new Date(start.getTime() + offset * second);
      const fresh = clockedAuthorizer(() => publicJwks(keySet));
      fresh.clock.now = cached.clock.now;
      const answer = await cached.authorizer.authorize(`Bearer ${shortLived}`, routeScopes('orders'));
      expect(answer).toEqual(await fresh.authorizer.authorize(`Bearer ${shortLived}`, routeScopes('orders')));
      seen.push(answer.ok ? 'ok' : answer.challenge);
    }
    expect(seen.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(seen[2]).toContain('the token has expired');
    expect(seen[3]).toContain('the token has expired');
  });

  it('refuses a token once its signing key has left the JWKS', async () => {
    const rotatedOut = await newSigningKeySet();
    let jwks = { keys: [...publicJwks(keySet).keys, ...publicJwks(rotatedOut).keys] };
    const { authorizer: cached } = clockedAuthorizer(() => jwks);
    const old = await token({ set: rotatedOut, now: start });
    expect(await cached.authorize(`Bearer ${old}`, routeScopes('orders'))).toMatchObject({ ok: true });
    jwks = publicJwks(keySet);
    const after = await cached.authorize(`Bearer ${old}`, routeScopes('orders'));
    expect(after.ok ? '' : after.challenge).toContain('was not signed by a key of the issuer');
  });

  it('never accepts the token with one character changed in its header, claims or signature', async () => {
    const { authorizer: cached } = clockedAuthorizer(() => publicJwks(keySet));
    const good = await token({ now: start });
    expect(await cached.authorize(`Bearer ${good}`, routeScopes('orders'))).toMatchObject({ ok: true });
    const [header = '', claims = '', signature = ''] = good.split('.');
    const positions = [
      Math.floor(header.length / 2),
      header.length + 1 + Math.floor(claims.length / 2),
      header.length + claims.length + 2 + Math.floor(signature.length / 2),
    ];
    for (const at of positions) {
      const tampered = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`;
      expect(await cached.authorize(`Bearer ${tampered}`, routeScopes('orders'))).toMatchObject({ status: 401 });
    }
    expect(await cached.authorize(`Bearer ${good}`, routeScopes('orders'))).toMatchObject({ ok: true });
  });

  it('refuses a token scoped to orders on events even after accepting it on orders', async () => {
    const { authorizer: cached } = clockedAuthorizer(() => publicJwks(keySet));
    const scoped = await token({ streams: ['orders'], now: start });
    expect(await cached.authorize(`Bearer ${scoped}`, routeScopes('orders'))).toMatchObject({ ok: true });
    expect(await cached.authorize(`Bearer ${scoped}`, routeScopes('events'))).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('hands each request its own copy of the claims', async () => {
    const { authorizer: cached } = clockedAuthorizer(() => publicJwks(keySet));
    const good = await token({ now: start });
    const first = await cached.authorize(`Bearer ${good}`, routeScopes('orders'));
    if (first.ok) first.claims.tenant = 'changed by a handler';
    expect(await cached.authorize(`Bearer ${good}`, routeScopes('orders'))).toMatchObject({
      ok: true,
      claims: { tenant: 'example' },
    });
  });

  it('still answers correctly for tokens pushed out of a full cache', async () => {
    const { authorizer: cached } = clockedAuthorizer(() => publicJwks(keySet), 1);
    const tokens = [await token({ now: start }), await token({ now: start, streams: ['events'] })];
    for (let round = 0; round < 2; round++) {
      expect(await cached.authorize(`Bearer ${tokens[0]}`, routeScopes('orders'))).toMatchObject({ ok: true });
      expect(await cached.authorize(`Bearer ${tokens[1]}`, routeScopes('orders'))).toMatchObject({ status: 403 });
    }
  });
});
