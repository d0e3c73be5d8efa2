import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSigningKeySet } from '#functions/token-issuer/bootstrap/core';
import {
  DEPLOY_PERMISSION_RETRY,
  type PermissionRetryOptions,
  retryWhilePermissionsPropagate,
} from '#functions/token-issuer/bootstrap/permission-retry';
import { fakeParameters } from './fake-parameter.ts';
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

const createEvent = {
  RequestType: 'Create',
  ResourceProperties: { ServiceToken: 'arn', SecretId: 'keys', JwksParameter: parameterName, JwksDescription: 'd' },
} as unknown as CloudFormationCustomResourceEvent;

const denied = () =>
  Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), {
    name: 'AccessDeniedException',
  });

/** A clock that moves only when the retry waits, and the waits it was asked for: no real sleeping. */
function fakeClock(): { options: PermissionRetryOptions; waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  return { options: { ...DEPLOY_PERMISSION_RETRY, sleep, now: () => now }, waits };
}

describe('the key bootstrap while IAM propagates in a new account', () => {
  it('makes the first key after its first calls are denied, waiting 1, 2 and 4 s', async () => {
    const versions: SecretVersions = new Map([['v0', { value: 'placeholder', stages: ['AWSCURRENT'] }]]);
    fakeSecret(secrets, versions);
    fakeParameters(ssmStub, new Map([[parameterName, '{"keys":[]}']]));
    // Denied three times, then the placeholder CloudFormation generated.
    let denials = 3;
    secrets.on(GetSecretValueCommand).callsFake(() => {
      if (denials-- > 0) throw denied();
      return { VersionId: 'v0', SecretString: 'placeholder' };
    });
    const { options, waits } = fakeClock();
    const result = await retryWhilePermissionsPropagate(() => ensureSigningKeySet(createEvent, client, ssm), options);
    expect(result.Data.created).toBe('true');
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it('fails the deploy with the denial once a minute of retries has passed, the waits capped at 8 s', async () => {
    secrets.on(GetSecretValueCommand).rejects(denied());
    const { options, waits } = fakeClock();
    await expect(
      retryWhilePermissionsPropagate(() => ensureSigningKeySet(createEvent, client, ssm), options),
    ).rejects.toThrow(/not authorized/);
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(60_000);
    expect(Math.max(...waits)).toBe(8_000);
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('does not retry an error other than a denial', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const { options, waits } = fakeClock();
    await expect(
      retryWhilePermissionsPropagate(() => ensureSigningKeySet(createEvent, client, ssm), options),
    ).rejects.toThrow(/throttled/);
    expect(waits).toEqual([]);
  });
});
