/** The bearer token: a fixed string, or a provider called again before the token expires and once after a 401. */

/** A token, or a function that returns a fresh one. */
export type TokenProvider = string | (() => string | Promise<string>);

/** How long before a token's `exp` a new one is asked for. */
const REFRESH_MARGIN_MS = 60_000;

/** The `exp` of a JWT in milliseconds, or undefined for a token that is not a readable JWT. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Caches the provider's token until shortly before it expires. */
export class TokenSource {
  #token: string | undefined;
  #expiresAt: number | undefined;
  #pending: Promise<string> | undefined;

  constructor(
    private readonly provider: TokenProvider,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current token, asking the provider for a new one when it is about to expire. */
  get(): Promise<string> {
    if (typeof this.provider === 'string') return Promise.resolve(this.provider);
    const fresh =
      this.#token !== undefined && (this.#expiresAt === undefined || this.now() < this.#expiresAt - REFRESH_MARGIN_MS);
    if (fresh && this.#token !== undefined) return Promise.resolve(this.#token);
    // One call for many concurrent requests.
    this.#pending ??= Promise.resolve(this.provider()).then(
      (token) => {
        this.#token = token;
        this.#expiresAt = tokenExpiry(token);
        this.#pending = undefined;
        return token;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  /** Drops `token` after the server refused it (401), so that the next `get` asks the provider again. */
  invalidate(token: string): void {
    if (this.#token === token) this.#token = undefined;
  }

  /** Whether a refused token can be replaced (a provider, not a fixed string). */
  get refreshable(): boolean {
    return typeof this.provider !== 'string';
  }
}
