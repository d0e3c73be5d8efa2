import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { deadLetterStreamOutput, deliveryStreamOutput, STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { newSigningKeySet, publicJwks } from '#shared/tokens/signing-keys';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);

afterEach(() => {
  cloudFormation.reset();
  secretsManager.reset();
});

const ISSUER = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

// Stack Sluice-acme as deployed: its streams and limits come from here, never from a tenants/acme.ts.
function deployedStack(keySet: unknown, extraOutputs: { OutputKey: string; OutputValue: string }[] = []) {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'Sluice-acme' }).resolves({
    Stacks: [
      {
        StackName: 'Sluice-acme',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: STACK_OUTPUTS.issuer, OutputValue: ISSUER },
          { OutputKey: STACK_OUTPUTS.signingKeySecret, OutputValue: 'sluice-acme-signing-keys' },
          { OutputKey: deliveryStreamOutput('orders'), OutputValue: 'sluice.acme.orders' },
          { OutputKey: deadLetterStreamOutput('orders'), OutputValue: 'sluice.acme.orders.dlq' },
          { OutputKey: deliveryStreamOutput('click-stream'), OutputValue: 'sluice.acme.click-stream' },
          ...extraOutputs,
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

  it("refuses a stream the deployed stack does not have, naming the stack's streams", async () => {
    deployedStack(await newSigningKeySet());
    const captured = captureIo();
    const code = await runCli(['token', 'create', '--stack', 'Sluice-acme', '--streams', 'orders,clicks'], captured.io);
    expect(code).toBe(2);
    expect(captured.stderr()).toContain('stack Sluice-acme has no stream clicks (it has orders, click-stream)');
    expect(captured.stdout()).toBe('');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('takes a stream id with a "-" as the stack outputs it', async () => {
    deployedStack(await newSigningKeySet());
    const captured = captureIo();
    expect(await runCli(['token', 'create', '--stack', 'Sluice-acme', '--streams', 'click-stream'], captured.io)).toBe(
      0,
    );
  });

  it("takes --days up to the stack's MaxTokenDays and refuses one more", async () => {
    deployedStack(await newSigningKeySet(), [{ OutputKey: STACK_OUTPUTS.maxTokenDays, OutputValue: '14' }]);
    const atLimit = captureIo();
    expect(await runCli(['token', 'create', '--stack', 'Sluice-acme', '--days', '14'], atLimit.io)).toBe(0);
    const over = captureIo();
    expect(await runCli(['token', 'create', '--stack', 'Sluice-acme', '--days', '15'], over.io)).toBe(2);
    expect(over.stderr()).toContain('--days must be at most 14 (auth.maxTokenDays)');
    expect(over.stdout()).toBe('');
  });

  it('refuses a path as --tenant, since the tenant becomes a token claim', async () => {
    const captured = captureIo();
    expect(
      await runCli(['token', 'create', '--stack', 'Sluice-acme', '--tenant', './tenants/acme.ts'], captured.io),
    ).toBe(2);
    expect(captured.stderr()).toContain('--tenant takes a tenant name');
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
