/**
 * The checks of `sluice verify --preflight`, each a plain function of a client's answer:
 * what must be true of the account before a tenant's first `cdk deploy` (issue 23 §5).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GLOBAL_INFRASTRUCTURE_REGION } from './preflight-region.ts';
import { readSynthesizedTemplate, type TemplateReader } from './preflight-resources.ts';
import type { CheckResult } from './verify-checks.ts';

/** The stack `cdk bootstrap` creates with its default qualifier. */
export const CDK_BOOTSTRAP_STACK = 'CDKToolkit';

/** Concurrency Lambda keeps unreserved in every account: a reservation may not eat into it. */
export const LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100;

/** The AWS clients the preflight uses (made once per run, faked in tests). */
export interface PreflightClients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly secretsManager: SecretsManagerClient;
  readonly sts: STSClient;
  /** Reads the public global-infrastructure parameters (in us-east-1, whatever the target Region). */
  readonly globalInfrastructure: SSMClient;
  /** Reads the template `npm run synth` wrote. */
  readonly readTemplate: TemplateReader;
}

/** Clients for the default region and credentials. */
export function defaultPreflightClients(): PreflightClients {
  return {
    cloudFormation: new CloudFormationClient({}),
    lambda: new LambdaClient({}),
    secretsManager: new SecretsManagerClient({}),
    sts: new STSClient({}),
    globalInfrastructure: new SSMClient({ region: GLOBAL_INFRASTRUCTURE_REGION }),
    readTemplate: readSynthesizedTemplate,
  };
}

const result = (name: string, outcome: CheckResult['outcome'], detail: string): CheckResult => ({
  name,
  outcome,
  detail,
});

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';
const errorMessage = (error: unknown) => (error as Error).message ?? String(error);

/** The CDK bootstrap stack exists and is in a usable state. */
export async function checkBootstrap(cloudFormation: CloudFormationClient): Promise<CheckResult> {
  const name = 'cdk bootstrap';
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: CDK_BOOTSTRAP_STACK }));
    const status = Stacks?.[0]?.StackStatus ?? 'unknown';
    const usable = status.endsWith('_COMPLETE') && !status.startsWith('ROLLBACK') && !status.startsWith('DELETE');
    return usable
      ? result(name, 'pass', `${CDK_BOOTSTRAP_STACK} is ${status}`)
      : result(name, 'fail', `${CDK_BOOTSTRAP_STACK} is ${status}; run npx cdk bootstrap again`);
  } catch (error) {
    if (/does not exist/.test(errorMessage(error))) {
      return result(name, 'fail', `no ${CDK_BOOTSTRAP_STACK} stack in this account and Region; run npx cdk bootstrap`);
    }
    return result(name, 'fail', `cannot read ${CDK_BOOTSTRAP_STACK}: ${errorMessage(error)}`);
  }
}

/**
 * The IAM principal ARN a caller ARN stands for: an assumed role's session names its role
 * (without the role's path, which STS does not report), a user is itself.
 */
export function principalOfCaller(callerArn: string): { kind: 'role' | 'user' | 'other'; name: string } {
  const assumed = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (assumed?.[1]) return { kind: 'role', name: assumed[1] };
  const user = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  if (user?.[1]) return { kind: 'user', name: user[1] };
  return { kind: 'other', name: callerArn };
}

/**
 * The caller may read the signing keys after the deploy, to mint tokens and run `sluice verify`:
 * it is among the tenant file's `auth.keyReaders` or the deploy's `-c keyReaders=`.
 */
export async function checkKeyReader(
  sts: STSClient,
  keyReaders: readonly string[],
  deployKeyReaders: readonly string[] = [],
): Promise<CheckResult> {
  const name = 'key reader';
  let callerArn: string;
  try {
    callerArn = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (error) {
    return result(name, 'fail', `cannot tell who you are (sts get-caller-identity): ${errorMessage(error)}`);
  }
  const caller = principalOfCaller(callerArn);
  const names = (arn: string) =>
    caller.kind === 'role'
      ? /:role\//.test(arn) && arn.endsWith(`/${caller.name}`)
      : caller.kind === 'user' && /:user\//.test(arn) && arn.endsWith(`/${caller.name}`);
  if (keyReaders.some(names)) return result(name, 'pass', `${callerArn} is among auth.keyReaders`);
  if (deployKeyReaders.some(names)) {
    return result(name, 'pass', `${callerArn} is among --key-readers: deploy with the same -c keyReaders=`);
  }
  const listed = keyReaders.length + deployKeyReaders.length;
  return result(
    name,
    'fail',
    `${callerArn} is not among auth.keyReaders or --key-readers (${listed} listed), so it could not mint a token after the deploy; add its role or user ARN to auth.keyReaders, or deploy with -c keyReaders=<arn> and pass the same list here as --key-readers (docs/deploy.md)`,
  );
}

/** A secret the config names exists in this account and Region (its value is never read). */
export async function checkSecret(secretsManager: SecretsManagerClient, secretName: string): Promise<CheckResult> {
  const name = 'secret';
  try {
    await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName }));
    return result(name, 'pass', `${secretName} exists`);
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      return result(
        name,
        'fail',
        `${secretName} does not exist; create it before the deploy: aws secretsmanager create-secret --name ${secretName} --secret-string file://<file> (docs/deploy.md)`,
      );
    }
    return result(name, 'fail', `cannot describe ${secretName}: ${errorMessage(error)}`);
  }
}

/** The account's unreserved concurrency covers the tenant's opt-in reservation and Lambda's minimum. */
export async function checkConcurrency(lambda: LambdaClient, reserved: number | undefined): Promise<CheckResult> {
  const name = 'concurrency';
  if (reserved === undefined) return result(name, 'pass', 'no reservedConcurrency: nothing to reserve');
  try {
    const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
    const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    const left = unreserved - reserved;
    return left >= LAMBDA_MIN_UNRESERVED_CONCURRENCY
      ? result(name, 'pass', `reservedConcurrency ${reserved} leaves ${left} of ${unreserved} unreserved`)
      : result(
          name,
          'fail',
          `reservedConcurrency ${reserved} would leave ${left} of ${unreserved} unreserved; Lambda keeps at least ${LAMBDA_MIN_UNRESERVED_CONCURRENCY}, so the deploy would fail: remove it or ask for a higher concurrency quota (docs/capacity.md)`,
        );
  } catch (error) {
    return result(name, 'fail', `cannot read the account's Lambda settings: ${errorMessage(error)}`);
  }
}
