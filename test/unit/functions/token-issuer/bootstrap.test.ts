import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSigningKeySet } from '#functions/token-issuer/bootstrap/core';
import { currentSigningKey, newSigningKeySet, parseSigningKeySet, publicJwks } from '#shared/tokens/signing-keys';
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

const properties = (description: string) => ({
  ServiceToken: 'arn',
  SecretId: 'sluice-example-keys',
  JwksParameter: parameterName,
  JwksDescription: description,
});

const event = (requestType: 'Create' | 'Update' | 'Delete', description = 'public JWKS') =>
  ({
    RequestType: requestType,
    ResourceProperties: properties(description),
    ...(requestType === 'Update' ? { OldResourceProperties: properties('public JWKS') } : {}),
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

  it('creates the parameter itself with its description, so no CloudFormation resource can overwrite it', async () => {
    fakeSecret(secrets, new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]));
    const parameters: ParameterValues = new Map();
    fakeParameters(ssmStub, parameters);
    await ensureSigningKeySet(event('Create', 'Sluice example: public JWKS'), client, ssm);
    expect(JSON.parse(String(parameters.get(parameterName))).keys).toHaveLength(1);
    expect(ssmStub.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({
      Name: parameterName,
      Type: 'String',
      Tier: 'Standard',
      Overwrite: true,
      Description: 'Sluice example: public JWKS',
    });
  });

  it('keeps the published keys when a stack update changes only the description', async () => {
    const set = await newSigningKeySet();
    fakeSecret(secrets, new Map([['v1', { value: JSON.stringify(set), stages: ['AWSCURRENT'] }]]));
    const parameters: ParameterValues = new Map([[parameterName, JSON.stringify(publicJwks(set))]]);
    fakeParameters(ssmStub, parameters);
    await ensureSigningKeySet(event('Update', 'a new description'), client, ssm);
    expect(JSON.parse(String(parameters.get(parameterName)))).toEqual(publicJwks(set));
    for (const call of ssmStub.commandCalls(PutParameterCommand)) {
      expect(JSON.parse(String(call.args[0].input.Value)).keys).toHaveLength(1);
    }
  });

  it('deletes the parameter and leaves the secret alone when the resource is deleted', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    ssmStub.on(DeleteParameterCommand).resolves({});
    await ensureSigningKeySet(event('Delete'), client, ssm);
    expect(secrets.calls()).toHaveLength(0);
    expect(ssmStub.commandCalls(DeleteParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
      parameterName,
    ]);
    expect(ssmStub.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('treats an already deleted parameter as deleted', async () => {
    ssmStub.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: 'gone', $metadata: {} }));
    await expect(ensureSigningKeySet(event('Delete'), client, ssm)).resolves.toMatchObject({
      Data: { created: 'false' },
    });
  });
});
