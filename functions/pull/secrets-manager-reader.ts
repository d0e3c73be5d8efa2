/**
 * Placeholder of engineer K2's Secrets Manager reader (the lead replaces this file with K2's at
 * merge): reads a secret's string value by name, as the pull handler needs it.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '#shared/pull-run';

/** Reads secrets from AWS Secrets Manager. */
export class SecretsManagerReader implements SecretReader {
  constructor(private readonly client: SecretsManagerClient) {}

  async read(name: string): Promise<string> {
    const answer = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
    if (answer.SecretString === undefined) throw new Error(`secret ${name} has no string value`);
    return answer.SecretString;
  }
}
