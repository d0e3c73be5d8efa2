import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FAILURE_MAX_AGE_MS, SecretsManagerReader } from '#functions/shared/secrets-manager-reader';
import { SecretUnavailableError } from '#shared/pull/pull-run';

const secretsManager = mockClient(SecretsManagerClient);

afterEach(() => {
  secretsManager.reset();
});

const VALUE = 'ghp_s3cr3t-token-value';

const MAX_AGE_MS = 60_000;

// No client is passed: the reader makes its own on the first read, as in the functions.
function reader(clock: { now: number }, maxAgeMs = MAX_AGE_MS) {
  return new SecretsManagerReader({ maxAgeMs, now: () => clock.now });
}

describe('the Secrets Manager secret reader', () => {
  it('reads a secret by its exact name', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'github-token' }).resolves({ SecretString: VALUE });
    expect(await reader({ now: 0 }).read('github-token')).toBe(VALUE);
  });

  it('reads a binary secret as UTF-8 text', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: Buffer.from('{"client_id":"a"}') });
    expect(await reader({ now: 0 }).read('oauth')).toBe('{"client_id":"a"}');
  });

  it('reads a two-line (rotating) webhook secret as it is', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'github-webhook' }).resolves({ SecretString: 'new\nold' });
    expect(await reader({ now: 0 }).read('github-webhook')).toBe('new\nold');
  });

  it('reuses a value until the cache age it was given ends, then reads the (maybe rotated) secret again', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'first' })
      .resolvesOnce({ SecretString: 'rotated' });
    const clock = { now: 1_000 };
    const secrets = reader(clock);
    expect(await Promise.all([secrets.read('token'), secrets.read('token')])).toEqual(['first', 'first']);
    clock.now += MAX_AGE_MS - 1;
    expect(await secrets.read('token')).toBe('first');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock.now += 1;
    expect(await secrets.read('token')).toBe('rotated');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('names a missing secret and says how to create it', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const failure = reader({ now: 0 }).read('github-token');
    await expect(failure).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(failure).rejects.toThrow(
      'cannot read secret github-token from Secrets Manager (ResourceNotFoundException): create it in Secrets Manager under exactly this name (aws secretsmanager create-secret --name github-token --secret-string "$SECRET")',
    );
  });

  it(`repeats a failed read from the cache for ${SECRET_FAILURE_MAX_AGE_MS} ms, then asks again`, async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: VALUE });
    const clock = { now: 1_000 };
    const secrets = reader(clock);
    await expect(secrets.read('github-token')).rejects.toBeInstanceOf(SecretUnavailableError);
    clock.now += SECRET_FAILURE_MAX_AGE_MS - 1;
    await expect(secrets.read('github-token')).rejects.toBeInstanceOf(SecretUnavailableError);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock.now += 1;
    expect(await secrets.read('github-token')).toBe(VALUE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('keeps a failure no longer than a value, when the cache age is shorter than the failure age', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: VALUE });
    const clock = { now: 0 };
    const secrets = reader(clock, 2_000);
    await expect(secrets.read('token')).rejects.toThrow('(ThrottlingException): retry later');
    clock.now = 2_000;
    expect(await secrets.read('token')).toBe(VALUE);
  });

  it('takes its cache age as an argument: five minutes for a pull source', async () => {
    secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'first' }).resolves({ SecretString: 'next' });
    const clock = { now: 0 };
    const secrets = reader(clock, 5 * 60_000);
    await secrets.read('token');
    clock.now = 5 * 60_000 - 1;
    expect(await secrets.read('token')).toBe('first');
    clock.now = 5 * 60_000;
    expect(await secrets.read('token')).toBe('next');
  });

  it('says that a function may read only the secrets its config names when access is denied', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(reader({ now: 0 }).read('other-tenant-token')).rejects.toThrow(
      '(AccessDeniedException): a function may read only the secrets its tenant config names, and a customer-managed key must let its role decrypt',
    );
  });

  it('never puts text of the SDK error, which could quote a value, in its message', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error(`bad ${VALUE}`), { name: 'Odd' }));
    const error = await reader({ now: 0 })
      .read('github-token')
      .catch((caught: Error) => caught);
    expect(String((error as Error).message)).not.toContain(VALUE);
    expect((error as SecretUnavailableError).secret).toBe('github-token');
  });

  it('refuses a secret without a value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({});
    await expect(reader({ now: 0 }).read('empty')).rejects.toThrow('secret empty in Secrets Manager has no value');
  });
});
