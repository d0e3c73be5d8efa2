import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '#functions/lambda-runtime/lambda-credentials';

const LAMBDA_KEYS = {
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEY',
  AWS_SECRET_ACCESS_KEY: 'example-secret',
  AWS_SESSION_TOKEN: 'example-session-token',
};
const ALL_VARIABLES = [...Object.keys(LAMBDA_KEYS), 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_PROFILE'];

beforeEach(() => {
  for (const name of ALL_VARIABLES) vi.stubEnv(name, undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the Lambda credential chain', () => {
  it("signs with the execution role's credentials that Lambda puts in the environment", async () => {
    for (const [name, value] of Object.entries(LAMBDA_KEYS)) vi.stubEnv(name, value);
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEY',
      secretAccessKey: 'example-secret',
      sessionToken: 'example-session-token',
    });
  });

  it('is what an SDK client uses when it is given as the default provider', async () => {
    for (const [name, value] of Object.entries(LAMBDA_KEYS)) vi.stubEnv(name, value);
    const client = new FirehoseClient({ region: 'us-east-1', credentialDefaultProvider: defaultProvider });
    await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLEKEY' });
  });

  describe('with a container credentials endpoint instead of keys', () => {
    let server: Server;
    let requests = 0;

    beforeEach(async () => {
      requests = 0;
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      server = createServer((_request, response) => {
        requests += 1;
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({ AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 's', Token: 't', Expiration: expiration }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${port}/credentials`);
    });

    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('fetches them from the endpoint once and keeps them until they near expiry', async () => {
      const provider = defaultProvider();
      await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIACONTAINER' });
      await provider();
      expect(requests).toBe(1);
    });
  });

  it('fails with the SDK credentials error when neither source is there', async () => {
    await expect(defaultProvider()()).rejects.toThrow(/credentials/i);
  });
});
