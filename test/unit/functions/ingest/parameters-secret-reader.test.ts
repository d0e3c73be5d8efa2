import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParametersSecretReader } from '#functions/ingest/parameters-secret-reader';
import { SecretUnavailableError } from '#shared/pull/pull-run';

const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});

afterEach(() => {
  secretsManager.reset();
  vi.unstubAllEnvs();
});

describe('ParametersSecretReader', () => {
  it('reads a secret from Secrets Manager once and reuses it within the cache time', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'github-webhook' }).resolves({ SecretString: 'new\nold' });
    const reader = new ParametersSecretReader();
    expect(await reader.read('github-webhook')).toBe('new\nold');
    expect(await reader.read('github-webhook')).toBe('new\nold');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads a binary secret as UTF-8', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode('bin-secret') });
    expect(await new ParametersSecretReader().read('binary-webhook')).toBe('bin-secret');
  });

  it('says which secret is missing and what to do, naming no value', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    const failure = new ParametersSecretReader().read('missing-webhook');
    await expect(failure).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(failure).rejects.toThrow(
      'cannot read webhook secret missing-webhook from Secrets Manager (ResourceNotFoundException): create it in Secrets Manager under exactly this name',
    );
  });
});
