import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTenantApp, KEY_READERS_CONTEXT } from '#infra/tenant-app';
import { type LoadedTenant, loadTenant } from '#shared/config/tenant-loader';

const ROLE = 'arn:aws:iam::123456789012:role/deployer';
const USER = 'arn:aws:iam::123456789012:user/alice';
// Bundling is not what these tests look at: skipping it keeps a synthesis under a second.
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

let example: LoadedTenant;

beforeAll(async () => {
  example = await loadTenant('example');
  // The first synthesis loads aws-cdk-lib's constructs: tens of seconds on a busy machine.
  Template.fromStack(synth(undefined).stack);
}, 240_000);

const synth = (keyReaders: unknown, tenant: LoadedTenant = example) =>
  createTenantApp(tenant, { nag: false, appProps: { context: { ...NO_BUNDLING, [KEY_READERS_CONTEXT]: keyReaders } } });

/** The principals the signing-key secret's and key's deny statements leave out. */
function allowedReaders(template: Template): unknown[] {
  const secretPolicy = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'))[0];
  const statements = (secretPolicy?.Properties.ResourcePolicy.Statement ?? []) as {
    Sid: string;
    Condition?: { StringNotEquals: { 'aws:PrincipalArn': unknown[] } };
  }[];
  const deny = statements.find((statement) => statement.Sid === 'DenySigningKeysToOthers');
  return deny?.Condition?.StringNotEquals['aws:PrincipalArn'] ?? [];
}

describe('key readers given at deploy time (cdk deploy -c keyReaders=<arn>,…)', () => {
  it('lets a role and a user from the context read the signing keys, with no warning left', () => {
    const { stack } = synth(` ${ROLE},${USER} ,${ROLE}`);
    const template = Template.fromStack(stack);
    const allowed = allowedReaders(template);
    expect(allowed).toEqual(expect.arrayContaining([ROLE, USER]));
    expect(allowed.filter((arn) => arn === ROLE)).toHaveLength(1);
    const keyDeny = JSON.stringify(template.findResources('AWS::KMS::Key'));
    expect(keyDeny).toContain(USER);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no auth.keyReaders'));
  });

  it('still warns without one, and the warning names the flag', () => {
    const { stack } = synth(undefined);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('-c keyReaders=<arn>'));
    expect(allowedReaders(Template.fromStack(stack))).not.toContain(ROLE);
  });

  it('refuses at synth a value that is not an IAM role or user ARN, naming it', () => {
    expect(() => synth(`${ROLE},arn:aws:iam::123456789012:group/admins`)).toThrow(
      /-c keyReaders: "arn:aws:iam::123456789012:group\/admins" is not an IAM role or user ARN/,
    );
  });

  it('refuses key readers for a tenant whose tokens come from an external issuer', () => {
    const auth = { issuer: 'https://login.example.com/', audience: ['sluice'] } as const;
    expect(() => synth(ROLE, { ...example, config: { ...example.config, auth } })).toThrow(
      /takes tokens from https:\/\/login\.example\.com\/, so it has no signing keys to read/,
    );
  });
});
