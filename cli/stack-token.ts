/**
 * Tokens of a deployed stack's self issuer: the issuer URL and the signing key secret's
 * name come from the stack's outputs, the key set from Secrets Manager.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { currentSigningKey, parseSigningKeySet } from '#shared/signing-keys';
import { STACK_OUTPUTS } from '#shared/stack-outputs';
import { signTenantToken } from '#shared/token-claims';
import { CliError } from './cli-io.ts';

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

/** Signs a token with the stack's current signing key. */
export async function createStackToken(clients: StackClients, request: StackTokenRequest): Promise<string> {
  const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: request.stackName }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const issuer = outputs.get(STACK_OUTPUTS.issuer);
  const secretName = outputs.get(STACK_OUTPUTS.signingKeySecret);
  if (!issuer || !secretName) {
    throw new CliError(
      `stack ${request.stackName} has no ${STACK_OUTPUTS.issuer} or ${STACK_OUTPUTS.signingKeySecret} output; does it use the self issuer?`,
    );
  }
  const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
  if (!secret.SecretString) throw new CliError(`secret ${secretName} has no string value`);
  return signTenantToken(currentSigningKey(parseSigningKeySet(secret.SecretString)), {
    issuer,
    tenant: request.tenant,
    days: request.days,
    ...(request.streams ? { streams: request.streams } : {}),
  });
}
