/**
 * A source's credentials on each request: bearer, basic, an API key in a header or the query,
 * or an OAuth2 client-credentials token cached until shortly before it expires. Secrets are
 * read once per slice and live only in this object: nothing here logs or throws a value.
 */

import type { SourceConfig } from '#shared/config/source-config';
import type { SecretReader } from '#shared/pull/pull-run';
import { CredentialsRejectedError, RetryableRequestError, SecretUnusableError } from './pull-errors.ts';

/** What a token is refreshed ahead of its expiry: a minute, or a tenth of a short lifetime. */
const TOKEN_MARGIN_MS = 60_000;

interface CachedToken {
  readonly value: string;
  readonly refreshAt: number;
}

// Per process, not per slice: the next slice (a warm Lambda, or the next local slice) reuses the
// token instead of asking the token endpoint again. Keyed by endpoint, client and scope.
const tokens = new Map<string, CachedToken>();

/** Dependencies of a source's authenticator. */
export interface AuthContext {
  readonly source: SourceConfig;
  readonly secrets: SecretReader;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
}

function jsonSecret(context: AuthContext, secret: string, text: string, fields: readonly string[]) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretUnusableError(context.source.name, secret, `is not JSON with ${fields.join(' and ')}`);
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const missing = fields.filter((field) => typeof record[field] !== 'string');
  if (missing.length > 0) throw new SecretUnusableError(context.source.name, secret, `has no ${missing.join(', ')}`);
  return record as Record<string, string>;
}

/** Adds a source's credentials to requests. */
/** Secret values shorter than this are not redacted from page texts (see `redact`). */
export const REDACT_MIN_CHARS = 6;

export class SourceAuthenticator {
  private secret: string | undefined;
  private tokenKey: string | undefined;
  /** Every secret value sent so far (the secret, its JSON fields, the header value, the OAuth2 token). */
  private readonly sentValues = new Set<string>();

  constructor(private readonly context: AuthContext) {}

  /** Query parameters that carry a secret: removed from every URL that is shown or stored. */
  get secretQueryParams(): readonly string[] {
    const auth = this.context.source.auth;
    return auth.type === 'api-key' && auth.in === 'query' ? [auth.name] : [];
  }

  /** Whether a 401 is worth one more try with a fresh token. */
  get canRefresh(): boolean {
    return this.context.source.auth.type === 'oauth2-client-credentials';
  }

  /** Drops the cached token, so that the next request fetches a new one. */
  invalidateToken(): void {
    if (this.tokenKey !== undefined) tokens.delete(this.tokenKey);
  }

  /**
   * `text` with every secret value sent so far replaced by `[redacted]`: an API that echoes the
   * request must not carry a secret into dlq/, logs, state or landed records. Values under
   * REDACT_MIN_CHARS are left, since replacing them would wreck any text while hiding nothing.
   */
  redact(text: string): string {
    let out = text;
    for (const value of this.sentValues) if (out.includes(value)) out = out.replaceAll(value, '[redacted]');
    return out;
  }

  private remember(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (value === undefined || value.length < REDACT_MIN_CHARS) continue;
      this.sentValues.add(value);
      // An echo may carry the value JSON-escaped or URL-encoded.
      this.sentValues.add(JSON.stringify(value).slice(1, -1));
      this.sentValues.add(encodeURIComponent(value));
    }
  }

  /** Sets the credentials on a request about to be sent. */
  async apply(url: URL, headers: Headers): Promise<void> {
    await this.applyCredentials(url, headers);
    const authorization = headers.get('authorization');
    this.remember(this.secret, this.secret?.trim(), authorization?.slice(authorization.indexOf(' ') + 1));
  }

  private async applyCredentials(url: URL, headers: Headers): Promise<void> {
    const auth = this.context.source.auth;
    switch (auth.type) {
      case 'none':
        return;
      case 'bearer':
        headers.set('authorization', `Bearer ${(await this.read(auth.secret)).trim()}`);
        return;
      case 'basic': {
        const { username, password } = jsonSecret(this.context, auth.secret, await this.read(auth.secret), [
          'username',
          'password',
        ]);
        this.remember(password);
        headers.set('authorization', `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
        return;
      }
      case 'api-key': {
        const key = (await this.read(auth.secret)).trim();
        this.remember(key);
        if (auth.in === 'header') headers.set(auth.name, key);
        else url.searchParams.set(auth.name, key);
        return;
      }
      case 'oauth2-client-credentials':
        headers.set('authorization', `Bearer ${await this.accessToken(auth)}`);
        return;
    }
  }

  private async read(name: string): Promise<string> {
    if (this.secret !== undefined) return this.secret;
    try {
      this.secret = await this.context.secrets.read(name);
    } catch {
      // The reader's own message may say more than a name; the name is enough to act on.
      throw new SecretUnusableError(this.context.source.name, name, 'could not be read');
    }
    return this.secret;
  }

  private async accessToken(auth: Extract<SourceConfig['auth'], { type: 'oauth2-client-credentials' }>) {
    const now = this.context.now().getTime();
    const client = jsonSecret(this.context, auth.secret, await this.read(auth.secret), ['client_id', 'client_secret']);
    this.remember(client.client_secret);
    this.tokenKey = `${auth.tokenUrl}\n${client.client_id}\n${auth.scope ?? ''}`;
    const cached = tokens.get(this.tokenKey);
    if (cached !== undefined && now < cached.refreshAt) return cached.value;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id ?? '',
      client_secret: client.client_secret ?? '',
      ...(auth.scope === undefined ? {} : { scope: auth.scope }),
    });
    let response: Response;
    try {
      response = await this.context.fetch(auth.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(this.context.source.request.timeoutSeconds * 1000),
      });
    } catch {
      throw new RetryableRequestError('the token endpoint did not answer');
    }
    if (response.status >= 500 || response.status === 429) {
      throw new RetryableRequestError(`the token endpoint answered ${response.status}`);
    }
    if (!response.ok) {
      throw new CredentialsRejectedError(this.context.source.name, `the token endpoint answered ${response.status}`);
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new CredentialsRejectedError(
        this.context.source.name,
        'the token endpoint answered without an access_token',
      );
    }
    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : Number.POSITIVE_INFINITY;
    const margin = Math.min(TOKEN_MARGIN_MS, lifetimeMs / 10);
    tokens.set(this.tokenKey, { value: body.access_token, refreshAt: now + lifetimeMs - margin });
    return body.access_token;
  }
}
