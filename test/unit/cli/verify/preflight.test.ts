import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const secretsManager = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);

const TENANT = fileURLToPath(new URL('./fixtures/preflight-tenant.ts', import.meta.url));
const DEPLOYER = 'arn:aws:sts::123456789012:assumed-role/deployer/alice';

beforeEach(() => {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0) }],
  });
  sts.on(GetCallerIdentityCommand).resolves({ Arn: DEPLOYER, Account: '123456789012' });
  secretsManager.on(DescribeSecretCommand).resolves({ Name: 'exists' });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 200 } });
});

afterEach(() => {
  cloudFormation.reset();
  lambda.reset();
  secretsManager.reset();
  sts.reset();
});

async function preflight(tenant = TENANT) {
  const captured = captureIo();
  const code = await runCli(['verify', '--preflight', '--tenant', tenant], captured.io);
  return { code, out: captured.stdout() };
}

describe('sluice verify --preflight', () => {
  it('passes, one line per check, when the account is ready for the first deploy', async () => {
    const { code, out } = await preflight();
    expect(out).toMatch(/✔ cdk bootstrap +CDKToolkit is UPDATE_COMPLETE/);
    expect(out).toMatch(/✔ key reader .*assumed-role\/deployer\/alice is among auth.keyReaders/);
    expect(out).toMatch(/✔ secret +crm-token exists/);
    expect(out).toMatch(/✔ secret +github-webhook exists/);
    expect(out).toMatch(/✔ concurrency +reservedConcurrency 100 leaves 100 of 200 unreserved/);
    expect(out).toMatch(/preflight: PASS, 5 of 5 checks passed/);
    expect(code).toBe(0);
    // A secret's value is never read.
    expect(secretsManager.commandCalls(DescribeSecretCommand)).toHaveLength(2);
  });

  it('fails naming `cdk bootstrap` when the account has no bootstrap stack', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id CDKToolkit does not exist'), { name: 'ValidationError' }));
    const { code, out } = await preflight();
    expect(out).toMatch(/✘ cdk bootstrap +no CDKToolkit stack .*run npx cdk bootstrap/);
    expect(out).toMatch(/preflight: FAIL, 1 of 5 checks failed/);
    expect(code).toBe(1);
  });

  it('fails when the caller is not a key reader and says how to become one', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::123456789012:user/bob' });
    const { code, out } = await preflight();
    expect(out).toMatch(/✘ key reader .*user\/bob is not among auth.keyReaders.*add its role or user ARN/);
    expect(code).toBe(1);
  });

  it('fails for a missing secret with the command that creates it', async () => {
    secretsManager
      .on(DescribeSecretCommand, { SecretId: 'crm-token' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const { code, out } = await preflight();
    expect(out).toMatch(/✘ secret +crm-token does not exist; .*aws secretsmanager create-secret --name crm-token/);
    expect(out).toMatch(/✔ secret +github-webhook exists/);
    expect(code).toBe(1);
  });

  it('passes a reservation that leaves exactly 100 unreserved and fails one that leaves 99', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 199 } });
    const { code, out } = await preflight();
    expect(out).toMatch(
      /✘ concurrency +reservedConcurrency 100 would leave 99 of 199 unreserved; Lambda keeps at least 100/,
    );
    expect(code).toBe(1);
  });

  it('needs --tenant, since no stack exists yet', async () => {
    const captured = captureIo();
    expect(await runCli(['verify', '--preflight'], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/missing: --tenant/);
  });
});
