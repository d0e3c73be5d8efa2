import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { answerDiscovery } from '#functions/token-issuer/discovery/core';
import { cachedKeySetReader } from '#functions/token-issuer/key-store';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract';
import { newSigningKeySet, rotateSigningKeys } from '#shared/signing-keys';
import { fakeSecret, type SecretVersions } from './fake-secret.ts';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const issuer = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const requestContext = { requestId: 'req-1' } as Parameters<typeof answerDiscovery>[0]['requestContext'];

afterEach(() => {
  secrets.reset();
});

async function storedSecret(): Promise<SecretVersions> {
  const rotated = await rotateSigningKeys(await newSigningKeySet(new Date('2025-01-01T00:00:00Z')), 30);
  const versions: SecretVersions = new Map([['v1', { value: JSON.stringify(rotated), stages: ['AWSCURRENT'] }]]);
  fakeSecret(secrets, versions);
  return versions;
}

describe('the discovery endpoints', () => {
  it('publishes an OpenID configuration whose issuer is the API URL and whose JWKS is on the same API', async () => {
    await storedSecret();
    const answer = await answerDiscovery(
      { rawPath: OPENID_CONFIGURATION_PATH, requestContext },
      { issuer, readKeySet: cachedKeySetReader(client, 'secret', 1000) },
    );
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toMatchObject({ issuer, jwks_uri: `${issuer}${JWKS_PATH}` });
  });

  it('publishes every stored public key and never a private member', async () => {
    await storedSecret();
    const answer = await answerDiscovery(
      { rawPath: JWKS_PATH, requestContext },
      { issuer, readKeySet: cachedKeySetReader(client, 'secret', 1000) },
    );
    const jwks = JSON.parse(String(answer.body)) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(member);
    }
    expect(String(answer.body)).not.toMatch(/"d":/);
  });

  it('answers 404 for any other path', async () => {
    const answer = await answerDiscovery(
      { rawPath: '/.well-known/other', requestContext },
      { issuer, readKeySet: () => Promise.reject(new Error('not called')) },
    );
    expect(answer.statusCode).toBe(404);
  });

  it('reads the secret once per cache period, not on every request', async () => {
    await storedSecret();
    let now = 0;
    const read = cachedKeySetReader(client, 'secret', 1000, () => now);
    await read();
    await read();
    expect(secrets.calls()).toHaveLength(1);
    now = 1001;
    await read();
    expect(secrets.calls()).toHaveLength(2);
  });
});
