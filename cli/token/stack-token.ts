/**
 * Tokens of a deployed stack's self issuer: the issuer URL and the signing key secret's
 * name come from the stack's outputs, the key set from Secrets Manager.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STACK_OUTPUTS, streamOfDeliveryStreamOutput } from '#shared/contract/stack-outputs';
import { currentSigningKey, parseSigningKeySet } from '#shared/tokens/signing-keys';
import { type SigningKey, signTenantToken } from '#shared/tokens/token-claims';
import { CliError, UsageError } from '../cli-io.ts';

// CloudFormation stack names: a letter, then letters, digits and "-"; safe as a folder name.
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** Checks a `--stack` value; a name CloudFormation would refuse throws UsageError carrying the usage text. */
export function checkStackName(stackName: string, usage: string): void {
  if (!STACK_NAME.test(stackName)) throw new UsageError('--stack must be a CloudFormation stack name', usage);
}

/** What to sign for a deployed stack. */
export interface StackTokenRequest {
  readonly stackName: string;
  readonly tenant: string;
  readonly days: number;
  readonly streams?: readonly string[];
}

/** The AWS clients the command uses (made once per run, faked in tests). */
export interface StackClients {
  readonly cloudFormation: CloudFormationClient;
  readonly secretsManager: SecretsManagerClient;
}

/** Clients for the default region and credentials. */
export function defaultStackClients(): StackClients {
  return { cloudFormation: new CloudFormationClient({}), secretsManager: new SecretsManagerClient({}) };
}

/** A deployed stack's outputs by key. */
export async function readStackOutputs(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<ReadonlyMap<string, string>> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return new Map(
    (Stacks?.[0]?.Outputs ?? []).flatMap((output) =>
      output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue] as const] : [],
    ),
  );
}

/** What a deployed stack lets a token ask for, read from its outputs rather than a local config. */
export interface StackTokenLimits {
  /** The stack's streams: one `DeliveryStream<id>` output each. */
  readonly streams: readonly string[];
  /** auth.maxTokenDays; undefined for a stack deployed before it was an output. */
  readonly maxTokenDays: number | undefined;
}

/** The limits a stack's outputs state. */
export function stackTokenLimits(outputs: ReadonlyMap<string, string>): StackTokenLimits {
  const streams = [...outputs.keys()].flatMap((key) => streamOfDeliveryStreamOutput(key) ?? []);
  const maxTokenDays = Number(outputs.get(STACK_OUTPUTS.maxTokenDays));
  return { streams, maxTokenDays: Number.isInteger(maxTokenDays) && maxTokenDays > 0 ? maxTokenDays : undefined };
}

/** The key that signs now, from the stack's signing key secret. */
export async function readStackSigningKey(
  secretsManager: SecretsManagerClient,
  secretName: string,
): Promise<SigningKey> {
  const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
  if (!secret.SecretString) throw new CliError(`secret ${secretName} has no string value`);
  return currentSigningKey(parseSigningKeySet(secret.SecretString));
}

/** Signs a token with the stack's current signing key; `outputs` are the stack's, when already read. */
export async function createStackToken(
  clients: StackClients,
  request: StackTokenRequest,
  outputs?: ReadonlyMap<string, string>,
): Promise<string> {
  outputs ??= await readStackOutputs(clients.cloudFormation, request.stackName);
  const issuer = outputs.get(STACK_OUTPUTS.issuer);
  const secretName = outputs.get(STACK_OUTPUTS.signingKeySecret);
  if (!issuer || !secretName) {
    throw new CliError(
      `stack ${request.stackName} has no ${STACK_OUTPUTS.issuer} or ${STACK_OUTPUTS.signingKeySecret} output; does it use the self issuer?`,
    );
  }
  return signTenantToken(await readStackSigningKey(clients.secretsManager, secretName), {
    issuer,
    tenant: request.tenant,
    days: request.days,
    ...(request.streams ? { streams: request.streams } : {}),
  });
}
