import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSigningKeySet } from '#functions/token-issuer/bootstrap/core';
import { currentSigningKey, newSigningKeySet, parseSigningKeySet, publicJwks } from '#shared/signing-keys';
import { fakeParameters, type ParameterValues } from './fake-parameter.ts';
import { fakeSecret, type SecretVersions } from './fake-secret.ts';

const secrets = mockClient(SecretsManagerClient);
const ssmStub = mockClient(SSMClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });
const parameterName = '/sluice/example/jwks';

afterEach(() => {
  secrets.reset();
  ssmStub.reset();
});

const event = (requestType: 'Create' | 'Update' | 'Delete') =>
  ({
    RequestType: requestType,
    ResourceProperties: { ServiceToken: 'arn', SecretId: 'sluice-example-keys', JwksParameter: parameterName },
  }) as unknown as CloudFormationCustomResourceEvent;

const placeholderParameter = (): ParameterValues => new Map([[parameterName, '{"keys":[]}']]);

describe('the key bootstrap at deploy time', () => {
  it('replaces the generated placeholder with a key set whose value is exactly the stored set', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'x7#placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    fakeParameters(ssmStub, placeholderParameter());
    const result = await ensureSigningKeySet(event('Create'), client, ssm);
    expect(result.Data.created).toBe('true');
    const current = [...versions.values()].find((version) => version.stages.includes('AWSCURRENT'));
    const set = parseSigningKeySet(String(current?.value));
    expect(JSON.stringify(set)).toBe(current?.value);
    expect(currentSigningKey(set).privateJwk.d).toBeTypeOf('string');
  });

  it('publishes the public JWKS of the first key, without private members, to the parameter', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    const parameters = placeholderParameter();
    fakeParameters(ssmStub, parameters);
    await ensureSigningKeySet(event('Create'), client, ssm);
    const current = [...versions.values()].find((version) => version.stages.includes('AWSCURRENT'));
    const published = String(parameters.get(parameterName));
    expect(JSON.parse(published)).toEqual(publicJwks(parseSigningKeySet(String(current?.value))));
    expect(published).not.toMatch(/"d":/);
  });

  it('keeps an existing key set on update and publishes its JWKS again', async () => {
    const set = await newSigningKeySet();
    const existing = JSON.stringify(set);
    const versions: SecretVersions = new Map([['v1', { value: existing, stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    const parameters = placeholderParameter();
    fakeParameters(ssmStub, parameters);
    const result = await ensureSigningKeySet(event('Update'), client, ssm);
    expect(result.Data.created).toBe('false');
    expect(versions.size).toBe(1);
    expect(versions.get('v1')?.value).toBe(existing);
    expect(JSON.parse(String(parameters.get(parameterName)))).toEqual(publicJwks(set));
  });

  it('leaves the secret and the parameter alone when the resource is deleted', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    await ensureSigningKeySet(event('Delete'), client, ssm);
    expect(secrets.calls()).toHaveLength(0);
    expect(ssmStub.calls()).toHaveLength(0);
  });
});
