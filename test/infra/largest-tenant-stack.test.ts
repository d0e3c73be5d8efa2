import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackResources } from '#infra/resource-limit';
import { MAX_STREAMS_PER_TENANT } from '#shared/config/stream-config';
import { CLOUDFORMATION_MAX_RESOURCES } from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import { ingestEnvironment, type SynthesizedTenant, synthTenant } from './synth-tenant.ts';

/** Lambda's limit on a function's environment: keys and values together. */
const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

let synth: SynthesizedTenant;
let template: Template;

beforeAll(async () => {
  synth = await synthTenant(fileURLToPath(new URL('./fixtures/largest-tenant.ts', import.meta.url)));
  template = synth.template;
  // Bundling takes a minute or more on a busy machine.
}, 240_000);

describe('the largest tenant the config allows', () => {
  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it("fits the ingest function's environment, delivery bindings included, in Lambda's 4 KB", () => {
    const environment = ingestEnvironment(template, 'x');
    const bindings = JSON.parse(environment[ENV.deliveryTargets] ?? '{}') as Record<string, unknown>;
    expect(Object.keys(bindings)).toHaveLength(MAX_STREAMS_PER_TENANT);
    const bytes = Object.entries(environment).reduce(
      (total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value),
      0,
    );
    expect(bytes).toBeLessThan(LAMBDA_ENVIRONMENT_MAX_BYTES);
  });

  it("stays under CloudFormation's 500 resources per stack, which the synth checks", () => {
    const count = Object.keys(template.toJSON().Resources ?? {}).length;
    expect(count).toBeLessThanOrEqual(CLOUDFORMATION_MAX_RESOURCES);
    expect(count).toBe(stackResources(synth.stack).length);
  });

  it('names every delivery stream within 64 characters', () => {
    const names = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')).map(
      (resource) => (resource as { Properties: { DeliveryStreamName: string } }).Properties.DeliveryStreamName,
    );
    expect(names).toHaveLength(3 * MAX_STREAMS_PER_TENANT);
    expect(Math.max(...names.map((name) => name.length))).toBe(64);
  });

  it('reserves the opted-in reservedConcurrency for the ingest function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.tenant]: 'x' }) },
      ReservedConcurrentExecutions: 250,
    });
  });

  it('lets the configured key reader past the deny on the signing keys, besides the issuer roles', () => {
    const reader = 'arn:aws:iam::123456789012:role/ci/token-minter';
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: {
              StringNotEquals: {
                'aws:PrincipalArn': [Match.anyValue(), Match.anyValue(), reader],
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:Decrypt',
            Condition: { StringNotEquals: { 'aws:PrincipalArn': Match.arrayWith([reader]) } },
          }),
        ]),
      },
    });
  });
});
