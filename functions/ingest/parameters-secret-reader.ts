/**
 * Webhook secrets from AWS Secrets Manager through Powertools Parameters, each value cached for
 * a short while: every webhook post needs its stream's secret, and a warm function should not
 * ask Secrets Manager each time, while a rotation (a second line in the value) must reach every
 * function within a minute. The provider is imported on the first read, so a tenant without
 * webhook streams never loads the Secrets Manager client at cold start.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';

/** How long a webhook secret read from Secrets Manager is reused, in seconds. */
export const WEBHOOK_SECRET_MAX_AGE_SECONDS = 60;

// Only the error's name goes into the message: it says what went wrong and, unlike a free-form
// message, can never carry part of a value.
function unavailable(name: string, error: unknown): SecretUnavailableError {
  const cause = (error as { cause?: { name?: unknown } } | undefined)?.cause;
  const kind = cause?.name ?? (error as { name?: unknown } | undefined)?.name;
  const hint =
    kind === 'ResourceNotFoundException'
      ? 'create it in Secrets Manager under exactly this name'
      : kind === 'AccessDeniedException'
        ? "the ingest function may read only the secrets its tenant's webhook streams name"
        : 'retry later';
  return new SecretUnavailableError(
    name,
    `cannot read webhook secret ${name} from Secrets Manager (${typeof kind === 'string' ? kind : 'error'}): ${hint}`,
  );
}

/** {@link SecretReader} on Secrets Manager through Powertools Parameters, cached for {@link WEBHOOK_SECRET_MAX_AGE_SECONDS}. */
export class ParametersSecretReader implements SecretReader {
  #provider: Promise<SecretsProvider> | undefined;

  constructor(private readonly maxAgeSeconds = WEBHOOK_SECRET_MAX_AGE_SECONDS) {}

  async read(name: string): Promise<string> {
    this.#provider ??= import('@aws-lambda-powertools/parameters/secrets').then(
      ({ SecretsProvider }) => new SecretsProvider(),
    );
    let value: string | Uint8Array | undefined;
    try {
      value = await (await this.#provider).get(name, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      throw unavailable(name, error);
    }
    const text = typeof value === 'string' ? value : value && Buffer.from(value).toString('utf8');
    if (!text) throw new SecretUnavailableError(name, `webhook secret ${name} in Secrets Manager has no value`);
    return text;
  }
}
