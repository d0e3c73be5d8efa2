import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { newSigningKeySet, publicJwks } from '#shared/signing-keys';
import { STACK_OUTPUTS } from '#shared/stack-outputs';
import { captureIo } from './io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);

afterEach(() => {
  cloudFormation.reset();
  secretsManager.reset();
});

const ISSUER = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

function deployedStack(keySet: unknown) {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'Sluice-acme' }).resolves({
    Stacks: [
      {
        StackName: 'Sluice-acme',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: STACK_OUTPUTS.issuer, OutputValue: ISSUER },
          { OutputKey: STACK_OUTPUTS.signingKeySecret, OutputValue: 'sluice-acme-signing-keys' },
        ],
      },
    ],
  });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: 'sluice-acme-signing-keys' })
    .resolves({ SecretString: JSON.stringify(keySet) });
}

describe('sluice token create --stack', () => {
  it("signs with the stack's current key and issuer, printing only the JWT", async () => {
    const keySet = await newSigningKeySet();
    deployedStack(keySet);
    const captured = captureIo();
    const code = await runCli(
      ['token', 'create', '--stack', 'Sluice-acme', '--days', '7', '--streams', 'orders'],
      captured.io,
    );
    expect(code).toBe(0);
    const token = captured.stdout().trim();
    expect(token.split('.')).toHaveLength(3);
    const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks(keySet)), {
      issuer: ISSUER,
      audience: 'sluice-acme',
    });
    expect(payload).toMatchObject({ tenant: 'acme', scope: 'sluice/write:orders' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7 * 86_400);
  });

  it('fails with a clear message when the stack has no issuer outputs', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Sluice-acme', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    const captured = captureIo();
    expect(await runCli(['token', 'create', '--stack', 'Sluice-acme'], captured.io)).toBe(1);
    expect(captured.stderr()).toContain(`no ${STACK_OUTPUTS.issuer}`);
    expect(captured.stdout()).toBe('');
  });

  it('asks for --tenant when the stack name does not tell it', async () => {
    const captured = captureIo();
    expect(await runCli(['token', 'create', '--stack', 'custom-stack'], captured.io)).toBe(2);
    expect(captured.stderr()).toContain('pass --tenant');
  });
});
