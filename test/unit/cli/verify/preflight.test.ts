import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '#cli/main';
import { STACK_SERVICES } from '#cli/verify/preflight-region';
import { checkResourceCount } from '#cli/verify/preflight-resources';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const secretsManager = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);

const REGION = 'eu-west-1';
const servicesPath = (region: string) => `/aws/service/global-infrastructure/regions/${region}/services`;

/** The public parameters listing `codes` as a Region's services, in pages of 10 as SSM answers. */
function listServices(region: string, codes: readonly string[]): void {
  const pages = Array.from({ length: Math.ceil(codes.length / 10) }, (_, index) =>
    codes.slice(index * 10, index * 10 + 10),
  );
  pages.forEach((page, index) => {
    ssm
      .on(GetParametersByPathCommand, {
        Path: servicesPath(region),
        ...(index === 0 ? {} : { NextToken: `t${index}` }),
      })
      .resolves({
        Parameters: page.map((code) => ({ Name: `${servicesPath(region)}/${code}`, Value: code })),
        ...(index < pages.length - 1 ? { NextToken: `t${index + 1}` } : {}),
      });
  });
}

const TENANT = fileURLToPath(new URL('./fixtures/preflight-tenant.ts', import.meta.url));
const DEPLOYER = 'arn:aws:sts::123456789012:assumed-role/deployer/alice';

beforeEach(() => {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0) }],
  });
  sts.on(GetCallerIdentityCommand).resolves({ Arn: DEPLOYER, Account: '123456789012' });
  secretsManager.on(DescribeSecretCommand).resolves({ Name: 'exists' });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 200 } });
  vi.stubEnv('AWS_REGION', REGION);
  listServices('us-east-1', [...STACK_SERVICES, 'ec2', 'rds']);
  listServices(REGION, [...STACK_SERVICES, 'ec2']);
});

afterEach(() => {
  cloudFormation.reset();
  lambda.reset();
  secretsManager.reset();
  sts.reset();
  ssm.reset();
  vi.unstubAllEnvs();
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
    expect(out).toMatch(new RegExp(`✔ region +${REGION} offers all ${STACK_SERVICES.length} services the stack uses`));
    // No template of this fixture tenant is synthesized: the count is left to the synth.
    expect(out).toMatch(/– resource count +no synthesized Sluice-\S+: run npm run synth -- -c tenant=/);
    expect(out).toMatch(/preflight: PASS, 6 of 6 checks passed \(1 skipped\)/);
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
    expect(out).toMatch(/preflight: FAIL, 1 of 6 checks failed/);
    expect(code).toBe(1);
  });

  it('fails when the caller is not a key reader and says how to become one', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::123456789012:user/bob' });
    const { code, out } = await preflight();
    expect(out).toMatch(/✘ key reader .*user\/bob is not among auth.keyReaders.*add its role or user ARN/);
    expect(code).toBe(1);
  });

  it('passes a caller named only in --key-readers, as the deploy will add it with -c keyReaders=', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::123456789012:user/bob' });
    const captured = captureIo();
    const code = await runCli(
      [
        'verify',
        '--preflight',
        '--tenant',
        TENANT,
        '--key-readers',
        ' arn:aws:iam::123456789012:role/other, arn:aws:iam::123456789012:user/bob',
      ],
      captured.io,
    );
    expect(captured.stdout()).toMatch(
      /✔ key reader .*user\/bob is among --key-readers: deploy with the same -c keyReaders=/,
    );
    expect(code).toBe(0);
  });

  it('fails naming both places when the caller is in neither list', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::123456789012:user/bob' });
    const captured = captureIo();
    const code = await runCli(
      ['verify', '--preflight', '--tenant', TENANT, '--key-readers', 'arn:aws:iam::123456789012:user/carol'],
      captured.io,
    );
    expect(captured.stdout()).toMatch(
      /✘ key reader .*user\/bob is not among auth.keyReaders or --key-readers \(2 listed\)/,
    );
    expect(code).toBe(1);
  });

  it('refuses a --key-readers entry that is not an IAM role or user ARN, before calling AWS', async () => {
    const captured = captureIo();
    const code = await runCli(
      ['verify', '--preflight', '--tenant', TENANT, '--key-readers', 'arn:aws:iam::123456789012:group/ops'],
      captured.io,
    );
    expect(code).toBe(2);
    expect(captured.stderr()).toMatch(
      /--key-readers: "arn:aws:iam::123456789012:group\/ops" is not an IAM role or user ARN/,
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
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

  it('fails naming the services a Region does not offer', async () => {
    ssm.reset();
    listServices('us-east-1', STACK_SERVICES);
    listServices(
      REGION,
      STACK_SERVICES.filter((code) => code !== 'scheduler' && code !== 'athena'),
    );
    const { code, out } = await preflight();
    expect(out).toMatch(new RegExp(`✘ region +${REGION} does not offer athena, scheduler, which the stack uses`));
    expect(code).toBe(1);
  });

  it('skips, never fails, a service code AWS lists in no Region (a wrong code here, not a missing service)', async () => {
    ssm.reset();
    const listed = STACK_SERVICES.filter((code) => code !== 'scheduler');
    listServices('us-east-1', listed);
    listServices(REGION, listed);
    const { code, out } = await preflight();
    expect(out).toMatch(/✔ region .*\(not listed by AWS, unchecked: scheduler\)/);
    expect(code).toBe(0);
  });

  it('needs --tenant, since no stack exists yet', async () => {
    const captured = captureIo();
    expect(await runCli(['verify', '--preflight'], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/missing: --tenant/);
  });
});

describe('the preflight resource count', () => {
  const template = (resources: number) =>
    JSON.stringify({ Resources: Object.fromEntries(Array.from({ length: resources }, (_, i) => [`R${i}`, {}])) });

  it("passes a synthesized stack of exactly 500 resources and fails one of 501, CloudFormation's limit", async () => {
    expect(await checkResourceCount(async () => template(500), 'Sluice-acme', 'acme')).toEqual({
      name: 'resource count',
      outcome: 'pass',
      detail: "500 of CloudFormation's 500 resources",
    });
    const over = await checkResourceCount(async () => template(501), 'Sluice-acme', 'acme');
    expect(over.outcome).toBe('fail');
    expect(over.detail).toMatch(/^501 resources, over CloudFormation's 500: remove streams or sources/);
  });

  it('skips when nothing is synthesized yet and fails on a template that is not JSON, naming the synth command', async () => {
    const none = await checkResourceCount(async () => undefined, 'Sluice-acme', 'acme');
    expect(none).toMatchObject({ outcome: 'skip', detail: expect.stringContaining('npm run synth -- -c tenant=acme') });
    const broken = await checkResourceCount(async () => '{', 'Sluice-acme', 'acme');
    expect(broken).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('is not JSON') });
  });
});
