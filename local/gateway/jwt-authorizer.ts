/**
 * JWT checks as the API Gateway HTTP API JWT authorizer makes them: RSA signature against
 * the issuer's JWKS by `kid` (required), `iss`, `aud`, `exp` (required)/`nbf`, then the
 * route's scopes (any one suffices; the claim is `scope`, space-separated, or `scp`).
 */
import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { TOKEN_ALGORITHM } from '#shared/tokens/token-claims';
import { VerifiedTokenCache } from './verified-token-cache.ts';

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
  /**
   * Returns the issuer's current JWKS; called on every request, so that rotated keys count.
   * Return a new object when the keys change: the same object is taken to hold the same keys.
   */
  readonly jwks: () => JSONWebKeySet;
  /** The current time; tests pass a fake clock. */
  readonly now?: () => Date;
  /** Most verified tokens kept; defaults to 10,000. */
  readonly cacheSize?: number;
}

// jose's default, written out because the cached path must apply exactly the same one.
const CLOCK_TOLERANCE_SECONDS = 0;
const EXPIRED = 'the token has expired';
const NOT_YET_VALID = 'the token is not valid yet';

/** What a full verification established about a token, apart from the time and the route. */
interface VerifiedToken {
  readonly claims: Authorized['claims'];
  readonly scopes: readonly string[];
  readonly exp: number;
  readonly nbf: number | undefined;
}

const invalid = (description: string): Refused => ({
  ok: false,
  status: 401,
  challenge: `Bearer scope="" error="invalid_token" error_description="${description}"`,
});

// jose would pick the only key of a one-key JWKS for a token without `kid`; API Gateway
// looks the key up by `kid` and refuses a token that names none.
class MissingKidError extends Error {}

function describeFailure(error: unknown): string {
  if (error instanceof MissingKidError) return 'the token does not name its signing key (kid)';
  if (error instanceof errors.JWTExpired) return EXPIRED;
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'the token does not have a valid issuer';
      case 'aud':
        return 'the token does not have a valid audience';
      case 'nbf':
        return NOT_YET_VALID;
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
    // API Gateway passes every claim to the integration as a string.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      claims[name] = String(value);
    else if (Array.isArray(value)) claims[name] = value.map(String);
    else if (value !== undefined && value !== null) claims[name] = JSON.stringify(value);
  }
  return claims;
}

// Each request gets its own copy, as each Lambda invocation gets its own parsed event: a
// handler that changed its claims must not change what the next request sees.
function copyClaims(claims: Authorized['claims']): Authorized['claims'] {
  const copy: Authorized['claims'] = {};
  for (const name in claims) {
    const value = claims[name];
    if (value !== undefined) copy[name] = Array.isArray(value) ? [...value] : value;
  }
  return copy;
}

// The same comparisons as jose's claim-set validation, with the same tolerance and order.
function timeFailure(token: VerifiedToken, now: Date): string | undefined {
  const seconds = Math.floor(now.getTime() / 1000);
  if (token.nbf !== undefined && token.nbf > seconds + CLOCK_TOLERANCE_SECONDS) return NOT_YET_VALID;
  if (token.exp <= seconds - CLOCK_TOLERANCE_SECONDS) return EXPIRED;
  return undefined;
}

/**
 * The identity source (`$request.header.Authorization`) as API Gateway reads it: every
 * Authorization header, joined with commas. Node keeps only the first of duplicate
 * Authorization headers, which would let a second one pass unseen; joined, two headers
 * are never one valid token, so the request is 401.
 */
export function authorizationHeader(rawHeaders: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() !== 'authorization') continue;
    const next = rawHeaders[index + 1] ?? '';
    value = value === undefined ? next : `${value},${next}`;
  }
  return value;
}

/** Makes an authorizer for an issuer. */
export function createJwtAuthorizer(options: JwtAuthorizerOptions): JwtAuthorizer {
  const now = options.now ?? (() => new Date());
  const verified = new VerifiedTokenCache<VerifiedToken>(options.cacheSize);
  // Importing the RSA keys took more CPU than verifying the signature: the key set is kept
  // until the JWKS changes (compared as JSON, so rotation counts), and so are the tokens
  // verified against it.
  // A caller that hands back the same object skips the comparison as JSON, which took 2 % of
  // the dev server's CPU.
  let cachedJwks: { source: JSONWebKeySet; text: string; keys: ReturnType<typeof createLocalJWKSet> } | undefined;
  const localKeys = () => {
    const jwks = options.jwks();
    if (jwks === cachedJwks?.source) return cachedJwks.keys;
    const text = JSON.stringify(jwks);
    if (cachedJwks?.text !== text) {
      verified.clear();
      cachedJwks = { source: jwks, text, keys: createLocalJWKSet(jwks) };
    } else {
      cachedJwks = { ...cachedJwks, source: jwks };
    }
    return cachedJwks.keys;
  };

  async function verify(token: string, at: Date): Promise<VerifiedToken | Refused> {
    const keys = localKeys();
    const known = verified.get(token);
    if (known) {
      const failure = timeFailure(known, at);
      return failure ? invalid(failure) : known;
    }
    let payload: JWTPayload;
    try {
      const keyByKid = (header: JWSHeaderParameters, input: FlattenedJWSInput) => {
        if (typeof header.kid !== 'string') throw new MissingKidError();
        return keys(header, input);
      };
      ({ payload } = await jwtVerify(token, keyByKid, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: options.issuer,
        audience: [...options.audience],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: at,
      }));
    } catch (error) {
      return invalid(describeFailure(error));
    }
    // jwtVerify has checked that exp is present and that exp and nbf are numbers.
    const result: VerifiedToken = {
      claims: flattenClaims(payload),
      scopes: grantedScopes(payload),
      exp: payload.exp ?? 0,
      nbf: payload.nbf,
    };
    verified.set(token, result);
    return result;
  }

  return {
    async authorize(authorization, routeScopes) {
      // As with API Gateway's identity source, the token may come with or without `Bearer `.
      const match = /^(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization ?? '');
      const token = match?.[1];
      if (!token) return { ok: false, status: 401, challenge: 'Bearer' };
      const result = await verify(token, now());
      if ('ok' in result) return result;
      // Scopes depend on the route, so they are checked on every request, cached or not.
      if (routeScopes.length > 0 && !routeScopes.some((scope) => result.scopes.includes(scope))) {
        return {
          ok: false,
          status: 403,
          challenge: `Bearer scope="${routeScopes.join(' ')}" error="insufficient_scope" error_description="the token does not have the scope for this route"`,
        };
      }
      return { ok: true, claims: copyClaims(result.claims), scopes: [...result.scopes] };
    },
  };
}
