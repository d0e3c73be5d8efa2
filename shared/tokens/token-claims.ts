/**
 * Token rules shared by the AWS issuer, the local issuer, the gateways and the CLI:
 * scopes, audience and the claims every Sluice token carries.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';

/** Signing algorithm: the HTTP API JWT authorizer verifies RSA signatures only. */
export const TOKEN_ALGORITHM = 'RS256';

/** Scope that allows writing to every stream of the tenant. */
export const TENANT_WRITE_SCOPE = 'sluice/write';

/** Scope that allows writing to one stream. */
export function streamWriteScope(streamId: string): string {
  return `sluice/write:${streamId}`;
}

/** The scopes a stream's route accepts (any one of them suffices, as with the HTTP API authorizer). */
export function routeScopes(streamId: string): string[] {
  return [TENANT_WRITE_SCOPE, streamWriteScope(streamId)];
}

/** Audience of tokens from a tenant's self issuer. */
export function selfIssuerAudience(tenant: string): string {
  return `sluice-${tenant}`;
}

/** What a caller asks of a new token. */
export interface TokenRequest {
  readonly issuer: string;
  readonly tenant: string;
  readonly days: number;
  /** Limit the token to these streams; omitted for a tenant-wide token. */
  readonly streams?: readonly string[];
  /** `sub`; defaults to `<tenant>-client`. */
  readonly subject?: string;
  readonly now?: Date;
}

/** A private signing key as a JWK with its key id. */
export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
}

/** The scope claim of a token: tenant-wide, or one scope per stream. */
export function tokenScope(streams: readonly string[] | undefined): string {
  return streams && streams.length > 0 ? streams.map(streamWriteScope).join(' ') : TENANT_WRITE_SCOPE;
}

/** Signs a Sluice token: `iss`, `aud`, `sub`, `tenant`, `scope`, `iat`, `exp`, `jti`. */
export async function signTenantToken(key: SigningKey, request: TokenRequest): Promise<string> {
  if (!Number.isFinite(request.days) || request.days <= 0) {
    throw new RangeError('days must be a positive number');
  }
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const privateKey = await importJWK(key.privateJwk, TOKEN_ALGORITHM);
  return new SignJWT({ tenant: request.tenant, scope: tokenScope(request.streams) })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(selfIssuerAudience(request.tenant))
    .setSubject(request.subject ?? `${request.tenant}-client`)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(request.days * 86_400))
    .setJti(randomUUID())
    .sign(privateKey);
}
