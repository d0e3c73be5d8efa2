/**
 * A webhook secret's value: the shared secret, or during a rotation two of them, one per line
 * (the new one and the old one), so that a rotation needs no config change and no deploy: put
 * both, move the sender to the new one, then put the new one alone. A trailing line break and
 * blank lines are ignored; the lines are used as they are otherwise (no trimming of spaces).
 */
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';

/** At most two secrets are valid at once: the current one and, during a rotation, the previous one. */
const MAX_WEBHOOK_SECRETS = 2;

/** The secrets a value holds; throws SecretUnavailableError (a 503 that names the secret: the operator must fix it) when it holds none or too many. */
function webhookSecretValues(name: string, value: string): string[] {
  const secrets = value.split(/\r?\n/).filter((line) => line !== '');
  if (secrets.length === 0) throw new SecretUnavailableError(name, `webhook secret ${name} is empty`);
  if (secrets.length > MAX_WEBHOOK_SECRETS) {
    throw new SecretUnavailableError(
      name,
      `webhook secret ${name} holds ${secrets.length} lines; it holds one secret, or two (new and old) during a rotation`,
    );
  }
  return secrets;
}

/** Reads a webhook secret by name and splits it into its current secrets. */
export async function readWebhookSecrets(reader: SecretReader, name: string): Promise<string[]> {
  return webhookSecretValues(name, await reader.read(name));
}

/** The reader used when none was given: every webhook post then fails as a 503 that says why. */
export const NO_SECRET_READER: SecretReader = {
  read: (name) =>
    Promise.reject(new SecretUnavailableError(name, `no secret reader is configured to read webhook secret ${name}`)),
};
