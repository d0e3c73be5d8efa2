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

interface Entry<Verified> {
  readonly verified: Verified;
  used: boolean;
}

/** A bounded map from token text to what its verification gave; tokens in use are kept longest. */
export class VerifiedTokenCache<Verified> {
  // Second chance ("clock") eviction: a hit only marks its entry, because moving it to the end
  // of the Map on every request cost two more lookups of a 700-character key. The oldest entry
  // goes unless it was used since it was last passed over; then it moves to the end, unmarked.
  readonly #entries = new Map<string, Entry<Verified>>();
  readonly #capacity: number;

  /** Keeps at most `capacity` tokens. */
  constructor(capacity = VERIFIED_TOKEN_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** What the verification of `token` gave, if it is held. */
  get(token: string): Verified | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.verified;
  }

  /** Keeps a token that verified; only successful verifications belong here. */
  set(token: string, verified: Verified): void {
    this.#entries.delete(token);
    // Only tokens signed by the issuer get here, so an attacker cannot fill the cache; the
    // bound is for a busy issuer with many live tokens.
    while (this.#entries.size >= this.#capacity) this.#evictOne();
    this.#entries.set(token, { verified, used: false });
  }

  /** Forgets every token (the JWKS they were verified against changed). */
  clear(): void {
    this.#entries.clear();
  }

  /** How many tokens are held. */
  get size(): number {
    return this.#entries.size;
  }

  #evictOne(): void {
    // Ends: each pass unmarks what it moves, so within size + 1 steps an unmarked entry is first.
    for (const [token, entry] of this.#entries) {
      this.#entries.delete(token);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(token, entry);
    }
  }
}
