import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { answerDiscovery } from '#functions/token-issuer/discovery/core';
import { cachedJwksReader } from '#functions/token-issuer/jwks-parameter';
import {
  JWKS_PATH,
  MAX_PROBLEM_BODY_BYTES,
  OPENID_CONFIGURATION_PATH,
  PROBLEM_CONTENT_TYPE,
} from '#shared/contract/contract';
import { PROBLEM_TYPES, problemType } from '#shared/contract/errors';
import { jwksParameterValue } from '#shared/tokens/jwks-parameter';
import { newSigningKeySet, publicJwks, rotateSigningKeys, type SigningKeySet } from '#shared/tokens/signing-keys';
import { fakeParameters, type ParameterValues } from './fake-parameter.ts';

const ssmStub = mockClient(SSMClient);
const ssm = new SSMClient({ region: 'eu-west-1' });
const issuer = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const parameterName = '/sluice/example/jwks';
const requestContext = { requestId: 'req-1' } as Parameters<typeof answerDiscovery>[0]['requestContext'];

afterEach(() => {
  ssmStub.reset();
});

async function publishedParameter(): Promise<{ set: SigningKeySet; parameters: ParameterValues }> {
  const set = await rotateSigningKeys(await newSigningKeySet(new Date('2025-01-01T00:00:00Z')), 30);
  const parameters: ParameterValues = new Map([[parameterName, jwksParameterValue(set)]]);
  fakeParameters(ssmStub, parameters);
  return { set, parameters };
}

describe('the discovery endpoints', () => {
  it('publishes an OpenID configuration whose issuer is the API URL and whose JWKS is on the same API', async () => {
    await publishedParameter();
    const answer = await answerDiscovery(
      { rawPath: OPENID_CONFIGURATION_PATH, requestContext },
      { issuer, readJwks: cachedJwksReader(ssm, parameterName, 1000) },
    );
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toMatchObject({ issuer, jwks_uri: `${issuer}${JWKS_PATH}` });
  });

  it('serves the JWKS published in the parameter: every public key and never a private member', async () => {
    const { set } = await publishedParameter();
    const answer = await answerDiscovery(
      { rawPath: JWKS_PATH, requestContext },
      { issuer, readJwks: cachedJwksReader(ssm, parameterName, 1000) },
    );
    const jwks = JSON.parse(String(answer.body)) as { keys: Record<string, unknown>[] };
    expect(jwks).toEqual(publicJwks(set));
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(member);
    }
    expect(String(answer.body)).not.toMatch(/"d":/);
  });

  it('answers any other path with the registered not-found problem type, naming the path in a bounded detail', async () => {
    const answer = await answerDiscovery(
      { rawPath: `/.well-known/${'x'.repeat(10_000)}`, requestContext },
      { issuer, readJwks: () => Promise.reject(new Error('not called')) },
    );
    expect(answer.statusCode).toBe(404);
    expect(answer.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    const problem = JSON.parse(String(answer.body));
    expect(problem).toMatchObject({
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      request_id: 'req-1',
    });
    expect(PROBLEM_TYPES).toContainEqual({ slug: 'not-found', title: problem.title, status: 404 });
    expect(problem.detail).toMatch(/^no public route serves GET \/\.well-known\/x+/);
    expect(Buffer.byteLength(String(answer.body))).toBeLessThanOrEqual(MAX_PROBLEM_BODY_BYTES);
  });

  it('reads the parameter once per cache period, not on every request', async () => {
    await publishedParameter();
    let now = 0;
    const read = cachedJwksReader(ssm, parameterName, 1000, () => now);
    await read();
    await read();
    expect(ssmStub.calls()).toHaveLength(1);
    now = 1001;
    await read();
    expect(ssmStub.calls()).toHaveLength(2);
  });

  it('fails rather than serve a parameter that holds no JWKS', async () => {
    fakeParameters(ssmStub, new Map([[parameterName, 'placeholder']]));
    await expect(cachedJwksReader(ssm, parameterName, 1000)()).rejects.toThrow();
  });
});
