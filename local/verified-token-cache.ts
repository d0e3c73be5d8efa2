/**
 * Tokens that passed a full verification (signature, issuer, audience) against one JWKS,
 * keyed by the exact token text, so that a client reusing its token is not re-verified on
 * every request. Envoy's jwt_authn (`jwt_cache_config`) and similar gateways do the same.
 *
 * This changes no outcome: the same token bytes verify the same way under the same JWKS, so
 * the owner drops every entry when the JWKS changes, and the checks that depend on the time
 * (`exp`, `nbf`) or on the route (scopes) still run on every request.
 */

/** The most tokens kept at once by default. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** A bounded map from token text to what its verification gave, least recently used out first. */
export class VerifiedTokenCache<Verified> {
  // A Map iterates in insertion order; re-inserting on every hit makes the first key the
  // least recently used one.
  readonly #entries = new Map<string, Verified>();
  readonly #capacity: number;

  /** Keeps at most `capacity` tokens. */
  constructor(capacity = VERIFIED_TOKEN_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** What the verification of `token` gave, if it is held. */
  get(token: string): Verified | undefined {
    const verified = this.#entries.get(token);
    if (verified === undefined) return undefined;
    this.#entries.delete(token);
    this.#entries.set(token, verified);
    return verified;
  }

  /** Keeps a token that verified; only successful verifications belong here. */
  set(token: string, verified: Verified): void {
    this.#entries.delete(token);
    this.#entries.set(token, verified);
    // Only tokens signed by the issuer get here, so an attacker cannot fill the cache; the
    // bound is for a busy issuer with many live tokens.
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets every token (the JWKS they were verified against changed). */
  clear(): void {
    this.#entries.clear();
  }

  /** How many tokens are held. */
  get size(): number {
    return this.#entries.size;
  }
}
