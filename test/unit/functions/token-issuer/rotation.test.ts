import { SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateSigningKeySecret, testPendingKeySet } from '#functions/token-issuer/rotation/core';
import {
  currentSigningKey,
  KEY_PUBLICATION_LEAD_MS,
  newSigningKeySet,
  parseSigningKeySet,
  publicJwks,
  type SigningKeySet,
} from '#shared/tokens/signing-keys';
import { fakeParameters, type ParameterValues } from './fake-parameter.ts';
import { fakeSecret, type SecretVersions } from './fake-secret.ts';

const secrets = mockClient(SecretsManagerClient);
const ssmStub = mockClient(SSMClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });
const day = 86_400_000;
const jwksParameter = '/sluice/example/jwks';

afterEach(() => {
  secrets.reset();
  ssmStub.reset();
});

const published = (parameters: ParameterValues): string[] =>
  (JSON.parse(String(parameters.get(jwksParameter))) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

/** Runs the four steps the way Secrets Manager does for one rotation, and returns the new current set. */
async function rotate(
  versions: SecretVersions,
  token: string,
  now: Date,
  maxTokenDays = 30,
  parameters: ParameterValues = new Map(),
): Promise<SigningKeySet> {
  versions.set(token, { value: undefined, stages: ['AWSPENDING'] });
  fakeSecret(secrets, versions);
  fakeParameters(ssmStub, parameters);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
    const event: SecretsManagerRotationEvent = { Step, SecretId: 'keys', ClientRequestToken: token };
    await rotateSigningKeySecret(event, client, ssm, { maxTokenDays, jwksParameter, now });
  }
  const current = [...versions.values()].find((version) => version.stages.includes('AWSCURRENT'));
  return parseSigningKeySet(String(current?.value));
}

describe('the signing key rotation', () => {
  it('adds a new signing key and keeps the old public key in the JWKS', async () => {
    const first = await newSigningKeySet(new Date('2025-01-01T00:00:00Z'));
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    const at = new Date('2025-04-01T00:00:00Z');
    const rotated = await rotate(versions, 'v2', at);
    const oldKid = currentSigningKey(first).kid;
    expect(currentSigningKey(rotated, new Date(at.getTime() + KEY_PUBLICATION_LEAD_MS)).kid).not.toBe(oldKid);
    expect(publicJwks(rotated).keys.map((key) => key.kid)).toContain(oldKid);
    expect(versions.get('v1')?.stages).toEqual(['AWSPREVIOUS']);
  });

  it("publishes the new set's public JWKS, old and new key, when the rotation finishes", async () => {
    const first = await newSigningKeySet(new Date('2025-01-01T00:00:00Z'));
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    const parameters: ParameterValues = new Map([[jwksParameter, JSON.stringify(publicJwks(first))]]);
    const rotated = await rotate(versions, 'v2', new Date('2025-04-01T00:00:00Z'), 30, parameters);
    expect(published(parameters)).toEqual(rotated.keys.map((key) => key.kid));
    expect(published(parameters)).toHaveLength(2);
    expect(String(parameters.get(jwksParameter))).not.toMatch(/"d":/);
  });

  it('heals a finishSecret that failed after publishing: the retry publishes again, then makes the set current', async () => {
    const first = await newSigningKeySet(new Date('2025-01-01T00:00:00Z'));
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    const parameters: ParameterValues = new Map([[jwksParameter, JSON.stringify(publicJwks(first))]]);
    versions.set('v2', { value: undefined, stages: ['AWSPENDING'] });
    fakeSecret(secrets, versions);
    fakeParameters(ssmStub, parameters);
    const options = { maxTokenDays: 30, jwksParameter, now: new Date('2025-04-01T00:00:00Z') };
    const step = (Step: SecretsManagerRotationEvent['Step']) =>
      rotateSigningKeySecret({ Step, SecretId: 'keys', ClientRequestToken: 'v2' }, client, ssm, options);
    await step('createSecret');
    await step('testSecret');
    secrets.on(UpdateSecretVersionStageCommand).rejectsOnce(new Error('throttled'));
    await expect(step('finishSecret')).rejects.toThrow('throttled');
    const pending = parseSigningKeySet(String(versions.get('v2')?.value));
    expect(versions.get('v1')?.stages).toEqual(['AWSCURRENT']);
    expect(published(parameters)).toEqual(pending.keys.map((key) => key.kid));
    parameters.set(jwksParameter, JSON.stringify(publicJwks(first)));
    fakeSecret(secrets, versions);
    await step('finishSecret');
    expect(versions.get('v2')?.stages).toEqual(['AWSCURRENT']);
    expect(published(parameters)).toEqual(pending.keys.map((key) => key.kid));
  });

  it('drops a retired key once no token it signed can still be valid', async () => {
    const first = await newSigningKeySet(new Date('2025-01-01T00:00:00Z'));
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    const at = new Date('2025-04-01T00:00:00Z');
    const firstKid = currentSigningKey(first).kid;
    await rotate(versions, 'v2', at, 30);
    const within = await rotate(versions, 'v3', new Date(at.getTime() + 29 * day), 30);
    expect(within.keys.map((key) => key.kid)).toContain(firstKid);
    const parameters: ParameterValues = new Map();
    const after = await rotate(versions, 'v4', new Date(at.getTime() + 31 * day), 30, parameters);
    expect(after.keys.map((key) => key.kid)).not.toContain(firstKid);
    expect(published(parameters)).not.toContain(firstKid);
    expect(after.keys).toHaveLength(3);
  });

  it('makes the first key set when the secret still holds the generated placeholder', async () => {
    const versions: SecretVersions = new Map([['v1', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    const set = await rotate(versions, 'v2', new Date('2025-01-01T00:00:00Z'));
    expect(set.keys).toHaveLength(1);
  });

  it('passes testSecret at the first rotation when the pending version is still absent, testing the set it then writes', async () => {
    const versions: SecretVersions = new Map([['v1', { value: 'x7#placeholder', stages: ['AWSCURRENT'] }]]);
    versions.set('v2', { value: undefined, stages: ['AWSPENDING'] });
    fakeSecret(secrets, versions);
    const parameters: ParameterValues = new Map();
    fakeParameters(ssmStub, parameters);
    const step = (Step: SecretsManagerRotationEvent['Step']) =>
      rotateSigningKeySecret({ Step, SecretId: 'keys', ClientRequestToken: 'v2' }, client, ssm, {
        maxTokenDays: 30,
        jwksParameter,
      });
    await expect(step('testSecret')).resolves.toBeUndefined();
    const pending = parseSigningKeySet(String(versions.get('v2')?.value));
    expect(pending.keys).toHaveLength(1);
    await step('finishSecret');
    expect(versions.get('v2')?.stages).toEqual(['AWSCURRENT']);
    expect(published(parameters)).toEqual(pending.keys.map((key) => key.kid));
  });

  it('passes testSecret when the pending version holds an empty value', async () => {
    const first = await newSigningKeySet();
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    versions.set('v2', { value: '', stages: ['AWSPENDING'] });
    fakeSecret(secrets, versions);
    await expect(
      rotateSigningKeySecret({ Step: 'testSecret', SecretId: 'keys', ClientRequestToken: 'v2' }, client, ssm, {
        maxTokenDays: 30,
        jwksParameter,
      }),
    ).resolves.toBeUndefined();
    const pending = parseSigningKeySet(String(versions.get('v2')?.value));
    expect(pending.keys.map((key) => key.kid)).toContain(currentSigningKey(first).kid);
    expect(pending.keys).toHaveLength(2);
  });

  it('does not make a second key when createSecret is retried', async () => {
    const first = await newSigningKeySet();
    const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(first), stages: ['AWSCURRENT'] }]]);
    const pending = JSON.stringify(await newSigningKeySet());
    versions.set('v2', { value: pending, stages: ['AWSPENDING'] });
    fakeSecret(secrets, versions);
    await rotateSigningKeySecret({ Step: 'createSecret', SecretId: 'keys', ClientRequestToken: 'v2' }, client, ssm, {
      maxTokenDays: 30,
      jwksParameter,
    });
    expect(versions.get('v2')?.value).toBe(pending);
  });

  it('refuses to rotate a secret whose rotation is disabled', async () => {
    fakeSecret(secrets, new Map(), { rotationEnabled: false });
    await expect(
      rotateSigningKeySecret({ Step: 'createSecret', SecretId: 'keys', ClientRequestToken: 'v2' }, client, ssm, {
        maxTokenDays: 30,
        jwksParameter,
      }),
    ).rejects.toThrow(/rotation is not enabled/);
  });

  it('fails the test step when the published public key does not match the signing key', async () => {
    const set = await newSigningKeySet();
    await expect(testPendingKeySet(set)).resolves.toBeUndefined();
    const other = await newSigningKeySet();
    const n = other.keys[0]?.privateJwk.n ?? '';
    const mismatched = { ...set, keys: set.keys.map((key) => ({ ...key, privateJwk: { ...key.privateJwk, n } })) };
    await expect(testPendingKeySet(mismatched)).rejects.toThrow();
  });
});
