import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSigningKeySet } from '#functions/token-issuer/bootstrap/core';
import { currentSigningKey, newSigningKeySet, parseSigningKeySet } from '#shared/signing-keys';
import { fakeSecret, type SecretVersions } from './fake-secret.ts';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });

afterEach(() => {
  secrets.reset();
});

const event = (requestType: 'Create' | 'Update' | 'Delete') =>
  ({
    RequestType: requestType,
    ResourceProperties: { ServiceToken: 'arn', SecretId: 'sluice-example-keys' },
  }) as unknown as CloudFormationCustomResourceEvent;

describe('the key bootstrap at deploy time', () => {
  it('replaces the generated placeholder with a key set whose value is exactly the stored set', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'x7#placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    const result = await ensureSigningKeySet(event('Create'), client);
    expect(result.Data.created).toBe('true');
    const current = [...versions.values()].find((version) => version.stages.includes('AWSCURRENT'));
    const set = parseSigningKeySet(String(current?.value));
    expect(JSON.stringify(set)).toBe(current?.value);
    expect(currentSigningKey(set).privateJwk.d).toBeTypeOf('string');
  });

  it('keeps an existing key set on update, so tokens already issued stay valid', async () => {
    const existing = JSON.stringify(await newSigningKeySet());
    const versions: SecretVersions = new Map([['v1', { value: existing, stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    const result = await ensureSigningKeySet(event('Update'), client);
    expect(result.Data.created).toBe('false');
    expect(versions.size).toBe(1);
    expect(versions.get('v1')?.value).toBe(existing);
  });

  it('leaves the secret alone when the resource is deleted', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    await ensureSigningKeySet(event('Delete'), client);
    expect(secrets.calls()).toHaveLength(0);
  });
});
