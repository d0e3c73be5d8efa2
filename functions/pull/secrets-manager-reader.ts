/**
 * Source secrets from AWS Secrets Manager, by the name written in the tenant config. A slice of
 * a run makes many requests with the same credentials, and the next slice often lands on the
 * same warm Lambda, so each value is kept for a few minutes: short enough that a rotated secret
 * is picked up by the next runs, long enough that a run does not read it per page.
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';

/** How long a value read from Secrets Manager is reused. */
export const SECRET_CACHE_MS = 5 * 60_000;

/** The client, the cache lifetime and a clock (for tests). */
export interface SecretsManagerReaderOptions {
  readonly cacheMs?: number;
  readonly now?: () => number;
}

// Only the error's name goes into the message: it says what went wrong (not found, access
// denied, throttled) and, unlike a free-form message, can never carry part of a value.
function unavailable(name: string, error: unknown): SecretUnavailableError {
  const kind = (error as { name?: unknown } | undefined)?.name;
  const hint =
    kind === 'ResourceNotFoundException'
      ? 'create it in Secrets Manager under exactly this name'
      : kind === 'AccessDeniedException'
        ? "the pull function may read only the secrets its tenant's sources name"
        : 'retry later';
  return new SecretUnavailableError(
    name,
    `cannot read secret ${name} from Secrets Manager (${typeof kind === 'string' ? kind : 'error'}): ${hint}`,
  );
}

/** {@link SecretReader} on Secrets Manager, each value cached for {@link SECRET_CACHE_MS}. */
export class SecretsManagerReader implements SecretReader {
  readonly #client: SecretsManagerClient;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { readonly value: Promise<string>; readonly until: number }>();

  constructor(client: SecretsManagerClient, options: SecretsManagerReaderOptions = {}) {
    this.#client = client;
    this.#cacheMs = options.cacheMs ?? SECRET_CACHE_MS;
    this.#now = options.now ?? Date.now;
  }

  read(name: string): Promise<string> {
    const now = this.#now();
    const cached = this.#cache.get(name);
    if (cached && cached.until > now) return cached.value;
    // The promise is cached, so that the concurrent first requests of a run share one call.
    const value = this.#fetch(name);
    this.#cache.set(name, { value, until: now + this.#cacheMs });
    value.catch(() => {
      if (this.#cache.get(name)?.value === value) this.#cache.delete(name);
    });
    return value;
  }

  async #fetch(name: string): Promise<string> {
    let answer: GetSecretValueCommandOutput;
    try {
      answer = await this.#client.send(new GetSecretValueCommand({ SecretId: name }));
    } catch (error) {
      throw unavailable(name, error);
    }
    const value = answer.SecretString ?? (answer.SecretBinary && Buffer.from(answer.SecretBinary).toString('utf8'));
    if (!value) throw new SecretUnavailableError(name, `secret ${name} in Secrets Manager has no value`);
    return value;
  }
}
