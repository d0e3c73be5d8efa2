/**
 * JWT checks as the API Gateway HTTP API JWT authorizer makes them: RSA signature against
 * the issuer's JWKS by `kid`, `iss`, `aud`, `exp`/`nbf`, then the route's scopes (any one
 * suffices; the claim is `scope`, space-separated, or `scp`).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { TOKEN_ALGORITHM } from '#shared/token-claims';

/** An authorized request: the claims and scopes the gateway puts into the event. */
export interface Authorized {
  readonly ok: true;
  readonly claims: Record<string, string | number | boolean | string[]>;
  readonly scopes: string[];
}

/** A refused request: 401 (bad token) or 403 (no scope), with the `www-authenticate` value. */
export interface Refused {
  readonly ok: false;
  readonly status: 401 | 403;
  readonly challenge: string;
}

/** Checks bearer tokens for one issuer and audience. */
export interface JwtAuthorizer {
  authorize(authorization: string | undefined, routeScopes: readonly string[]): Promise<Authorized | Refused>;
}

/** What the authorizer trusts. */
export interface JwtAuthorizerOptions {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Returns the issuer's current JWKS (re-read on every call, so that rotated keys count). */
  readonly jwks: () => JSONWebKeySet;
}

const invalid = (description: string): Refused => ({
  ok: false,
  status: 401,
  challenge: `Bearer scope="" error="invalid_token" error_description="${description}"`,
});

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'the token does not have a valid issuer';
      case 'aud':
        return 'the token does not have a valid audience';
      case 'nbf':
        return 'the token is not valid yet';
      default:
        return `the token does not have a valid ${error.claim} claim`;
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a key of the issuer';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token does not have a valid signature';
  return 'the token is not a valid JWT';
}

/** The scopes a token grants: `scope` (space-separated) or `scp` (string or list). */
export function grantedScopes(payload: JWTPayload): string[] {
  const claim = payload.scope ?? payload.scp;
  if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((item): item is string => typeof item === 'string');
  return [];
}

// API Gateway hands claims to the function flattened to strings, numbers, booleans and string lists.
function flattenClaims(payload: JWTPayload): Authorized['claims'] {
  const claims: Authorized['claims'] = {};
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') claims[name] = value;
    else if (Array.isArray(value)) claims[name] = value.map(String);
    else if (value !== undefined && value !== null) claims[name] = JSON.stringify(value);
  }
  return claims;
}

/** Makes an authorizer for an issuer. */
export function createJwtAuthorizer(options: JwtAuthorizerOptions): JwtAuthorizer {
  // Importing the RSA keys took more CPU than verifying the signature: the key set is kept
  // until the JWKS changes (compared as JSON), and every request is still verified in full.
  let cachedJwks: { text: string; keys: ReturnType<typeof createLocalJWKSet> } | undefined;
  const localKeys = () => {
    const jwks = options.jwks();
    const text = JSON.stringify(jwks);
    if (cachedJwks?.text !== text) cachedJwks = { text, keys: createLocalJWKSet(jwks) };
    return cachedJwks.keys;
  };
  return {
    async authorize(authorization, routeScopes) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      const token = match?.[1];
      if (!token) return { ok: false, status: 401, challenge: 'Bearer' };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, localKeys(), {
          algorithms: [TOKEN_ALGORITHM],
          issuer: options.issuer,
          audience: [...options.audience],
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        return invalid(describeFailure(error));
      }
      const scopes = grantedScopes(payload);
      if (routeScopes.length > 0 && !routeScopes.some((scope) => scopes.includes(scope))) {
        return {
          ok: false,
          status: 403,
          challenge: `Bearer scope="${routeScopes.join(' ')}" error="insufficient_scope" error_description="the token does not have the scope for this route"`,
        };
      }
      return { ok: true, claims: flattenClaims(payload), scopes };
    },
  };
}
