/**
 * Secrets from AWS Secrets Manager by the name written in the tenant config, for every function
 * that reads one (webhook secrets in ingest, source credentials in pull). Each value is kept for
 * a cache age the caller picks: a warm function should not ask Secrets Manager per request or
 * per page, while a rotated secret must reach every function within that age. A failed read is
 * kept too, for a shorter age, so that a missing secret does not cost a call per request.
 *
 * The SDK client is imported on the first read, so a function that never reads a secret (an
 * ingest function without webhook streams) does not load it at cold start. Powertools
 * Parameters would add its own cache and transforms on top of the same one call; this reader
 * needs neither, and sharing one in-flight promise per name is what a run's concurrent first
 * requests need.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';

/** How long a failed read is answered from the cache at most (the `failureMaxAgeMs` default, unless `maxAgeMs` is shorter). */
export const SECRET_FAILURE_MAX_AGE_MS = 10_000;

/** The cache ages and, for tests, a clock and a client. */
export interface SecretsManagerReaderOptions {
  /** How long a value read from Secrets Manager is reused, in milliseconds. */
  readonly maxAgeMs: number;
  /**
   * How long a failed read (a secret not created yet, access denied, throttled) is repeated
   * from the cache instead of asking again; default the shorter of SECRET_FAILURE_MAX_AGE_MS
   * and `maxAgeMs`. Without it every request to a webhook stream whose secret is missing would
   * cost a Secrets Manager call; with it, at most one per name per period, and a secret that
   * was just created is seen within the period.
   */
  readonly failureMaxAgeMs?: number;
  readonly now?: () => number;
  readonly client?: SecretsManagerClient;
}

// Only the error's name goes into the message: it says what went wrong (not found, access
// denied, throttled) and, unlike a free-form message, can never carry part of a value.
function unavailable(name: string, error: unknown): SecretUnavailableError {
  const kind = (error as { name?: unknown } | undefined)?.name;
  const hint =
    kind === 'ResourceNotFoundException'
      ? `create it in Secrets Manager under exactly this name (aws secretsmanager create-secret --name ${name} --secret-string "$SECRET")`
      : kind === 'AccessDeniedException'
        ? 'a function may read only the secrets its tenant config names, and a customer-managed key must let its role decrypt (docs/deploy.md)'
        : 'retry later';
  return new SecretUnavailableError(
    name,
    `cannot read secret ${name} from Secrets Manager (${typeof kind === 'string' ? kind : 'error'}): ${hint}`,
  );
}

/** {@link SecretReader} on Secrets Manager, each value cached for the given age. */
export class SecretsManagerReader implements SecretReader {
  readonly #maxAgeMs: number;
  readonly #failureMaxAgeMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { readonly value: Promise<string>; readonly until: number }>();
  #getValue: Promise<(name: string) => Promise<string | undefined>> | undefined;
  readonly #client: SecretsManagerClient | undefined;

  constructor(options: SecretsManagerReaderOptions) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#failureMaxAgeMs = options.failureMaxAgeMs ?? Math.min(options.maxAgeMs, SECRET_FAILURE_MAX_AGE_MS);
    this.#now = options.now ?? Date.now;
    this.#client = options.client;
  }

  read(name: string): Promise<string> {
    const now = this.#now();
    const cached = this.#cache.get(name);
    if (cached && cached.until > now) return cached.value;
    // The promise is cached, so that concurrent first reads of a name share one call; a
    // failure stays for the (shorter) failure age, counted from when it was asked.
    const value = this.#fetch(name);
    this.#cache.set(name, { value, until: now + this.#maxAgeMs });
    value.catch(() => {
      if (this.#cache.get(name)?.value === value) this.#cache.set(name, { value, until: now + this.#failureMaxAgeMs });
    });
    return value;
  }

  async #fetch(name: string): Promise<string> {
    const getValue = await this.#loadSdk();
    let value: string | undefined;
    try {
      value = await getValue(name);
    } catch (error) {
      throw unavailable(name, error);
    }
    if (!value) throw new SecretUnavailableError(name, `secret ${name} in Secrets Manager has no value`);
    return value;
  }

  #loadSdk(): Promise<(name: string) => Promise<string | undefined>> {
    this.#getValue ??= import('@aws-sdk/client-secrets-manager').then(
      ({ GetSecretValueCommand, SecretsManagerClient }) => {
        const client = this.#client ?? new SecretsManagerClient({});
        return async (name: string) => {
          const answer = await client.send(new GetSecretValueCommand({ SecretId: name }));
          return answer.SecretString ?? (answer.SecretBinary && Buffer.from(answer.SecretBinary).toString('utf8'));
        };
      },
    );
    return this.#getValue;
  }
}
