import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTenantApp } from '#infra/tenant-app';
import { loadTenant } from '#shared/config/tenant-loader';

// Bundling is not what these tests look at: skipping it keeps the synthesis to seconds.
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] };
let resources: Record<string, Resource>;

beforeAll(async () => {
  const { stack } = createTenantApp(await loadTenant('example'), { nag: false, appProps: { context: NO_BUNDLING } });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 240_000);

const idsOf = (type: string) =>
  Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id);

/** The resources `id` waits for, directly or through a DependsOn chain. */
function dependenciesOf(id: string, seen = new Set<string>()): Set<string> {
  for (const next of resources[id]?.DependsOn ?? []) {
    if (!seen.has(next)) {
      seen.add(next);
      dependenciesOf(next, seen);
    }
  }
  return seen;
}

describe('a first deploy in a new account, while IAM propagates', () => {
  it('names no role of this stack as a principal of a KMS key policy, which KMS refuses while the role is new', () => {
    const roles = idsOf('AWS::IAM::Role');
    for (const keyId of idsOf('AWS::KMS::Key')) {
      const policy = resources[keyId]?.Properties?.KeyPolicy as { Statement: { Principal?: unknown }[] } | undefined;
      const statements = policy?.Statement ?? [];
      const principals = JSON.stringify(statements.map((statement) => statement.Principal ?? null));
      for (const role of roles) expect(principals, `${keyId} names ${role}`).not.toContain(`"${role}"`);
    }
  });

  it('grants the key bootstrap the signing key in its own role policy, through Secrets Manager only', () => {
    const policies = idsOf('AWS::IAM::Policy').map((id) => resources[id]?.Properties ?? {});
    const bootstrap = policies.find((policy) => JSON.stringify(policy.Roles).includes('SelfIssuerBootstrap'));
    const document = bootstrap?.PolicyDocument as { Statement: { Action: unknown; Condition?: unknown }[] } | undefined;
    const statements = document?.Statement ?? [];
    const kms = statements.find((statement) => JSON.stringify(statement.Action).includes('kms:Decrypt'));
    expect(kms?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(JSON.stringify(kms?.Condition)).toContain('secretsmanager.');
  });

  it('creates the first signing key only after the bootstrap role and its policy exist', () => {
    const [bootstrap] = idsOf('AWS::CloudFormation::CustomResource');
    const [bootstrapFunction] = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Function' && /first signing key/.test(String(resource.Properties?.Description)),
    ) ?? [''];
    const waits = dependenciesOf(bootstrapFunction);
    expect([...waits].some((id) => /^SelfIssuerBootstrapRoleDefaultPolicy/.test(id))).toBe(true);
    expect(bootstrap).toBeDefined();
  });

  it('creates the pull state machine only after its role policy holds the log delivery permissions', () => {
    const [machine] = idsOf('AWS::StepFunctions::StateMachine');
    const policy = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties).includes('logs:CreateLogDelivery'),
    )?.[0];
    expect(policy).toBeDefined();
    expect(dependenciesOf(machine ?? '')).toContain(policy);
  });
});
