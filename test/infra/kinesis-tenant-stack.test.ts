import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_PATH, ingestPath, validatePath } from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import { deadLetterStreamOutput, deliveryStreamOutput, STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { deadLetterPrefix, fileExtension, recordsPrefix } from '#shared/contract/storage-layout';
import { API_DOCS_PATHS } from '#shared/openapi/api-docs';
import { routeScopes } from '#shared/tokens/token-claims';
import {
  deliveryTargets,
  ingestBundle,
  ingestBundleSources,
  type SynthesizedTenant,
  synthTenant,
} from './synth-tenant.ts';

type Resource = { Type: string; Properties?: Record<string, unknown> };

const issuer = 'https://issuer.example.com/oauth2';
let synth: SynthesizedTenant;
let template: Template;

beforeAll(async () => {
  synth = await synthTenant(fileURLToPath(new URL('./fixtures/kinesis-tenant.ts', import.meta.url)));
  template = synth.template;
});

const resourcesOf = (type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

const firehoseWithPrefix = (prefix: string): [string, Resource] => {
  const found = Object.entries(resourcesOf('AWS::KinesisFirehose::DeliveryStream')).filter(
    ([, resource]) =>
      (resource.Properties?.ExtendedS3DestinationConfiguration as { Prefix?: string } | undefined)?.Prefix === prefix,
  );
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
};

describe('a tenant with Kinesis delivery, gzip and an external issuer', () => {
  it('synthesizes stack Sluice-fixture-kinesis with no unacknowledged cdk-nag finding', () => {
    expect(synth.stack.stackName).toBe('Sluice-fixture-kinesis');
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it("puts an on-demand, encrypted Kinesis Data Stream in front of the kinesis stream's Firehose", () => {
    const streams = Object.entries(resourcesOf('AWS::Kinesis::Stream'));
    expect(streams).toHaveLength(1);
    const [kinesisId, kinesis] = streams[0] as [string, Resource];
    expect(kinesis.Properties).toMatchObject({
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    const [, clicks] = firehoseWithPrefix(recordsPrefix('clicks'));
    expect(clicks.Properties).toMatchObject({
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: { 'Fn::GetAtt': [kinesisId, 'Arn'] } },
    });
    expect(clicks.Properties).not.toHaveProperty('DeliveryStreamEncryptionConfigurationInput');
  });

  it('keeps the logical ids of the Kinesis stream and the delivery streams, so that no deploy replaces one', () => {
    expect(Object.keys(resourcesOf('AWS::Kinesis::Stream'))).toEqual(['StreamclicksSourceF325FCD1']);
    expect(Object.keys(resourcesOf('AWS::KinesisFirehose::DeliveryStream')).sort()).toEqual([
      'DeadLetterauditlogFirehose97CECAD2',
      'StreamauditlogFirehose36079B20',
      'StreamclicksFirehose983F8BA3',
    ]);
  });

  it('deletes the Kinesis stream with the stack: its records are a copy and its fixed name must be free for a redeploy', () => {
    const streams = Object.values(template.findResources('AWS::Kinesis::Stream')) as { DeletionPolicy?: string }[];
    expect(streams.map((stream) => stream.DeletionPolicy)).toEqual(['Delete']);
  });

  it("binds this tenant's config into the static ingest entry, not the example tenant the type checker sees", () => {
    const bundle = ingestBundle(synth, 'fixture-kinesis');
    expect(bundle).toContain('"fixture-kinesis"');
    expect(bundle).toContain('"audit-log"');
    expect(bundle).not.toContain('"profiles"');
  });

  it('bundles the static entry functions/ingest/handler.ts with the Kinesis route, not a generated entry', () => {
    const sources = ingestBundleSources(synth, 'fixture-kinesis');
    expect(sources.some((source) => source.endsWith('functions/ingest/handler.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('functions/shared/kinesis-route.ts'))).toBe(true);
    expect(sources.some((source) => source.includes('.entries/'))).toBe(false);
  });

  it('bundles the Kinesis client into the ingest function of a tenant with a kinesis stream', () => {
    expect(ingestBundle(synth, 'fixture-kinesis')).toContain('Kinesis_20131202');
  });

  it('compresses with gzip and names objects with exactly the shared extension, .gz included', () => {
    const expectations = [
      [recordsPrefix('clicks'), fileExtension('json', 'gzip'), { IntervalInSeconds: 300, SizeInMBs: 64 }],
      [recordsPrefix('audit-log'), fileExtension('xml', 'gzip'), { IntervalInSeconds: 60, SizeInMBs: 5 }],
      [deadLetterPrefix('audit-log'), '.ndjson.gz', { IntervalInSeconds: 60, SizeInMBs: 5 }],
    ] as const;
    for (const [prefix, extension, buffering] of expectations) {
      const [, resource] = firehoseWithPrefix(prefix);
      expect(resource.Properties?.ExtendedS3DestinationConfiguration).toMatchObject({
        CompressionFormat: 'GZIP',
        FileExtension: extension,
        BufferingHints: buffering,
      });
    }
    expect(fileExtension('xml', 'gzip')).toBe('.cbor.gz');
  });

  it('lets the ingest function call only kinesis:PutRecords on the Kinesis stream and Firehose put on the others', () => {
    const [kinesisId] = Object.keys(resourcesOf('AWS::Kinesis::Stream'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^IngestRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'kinesis:PutRecords',
            Resource: { 'Fn::GetAtt': [kinesisId, 'Arn'] },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'sluice.fixture-kinesis.clicks' });
    expect(deliveryTargets(template, 'fixture-kinesis')).toEqual({
      clicks: { records: { kind: 'kinesis', name: 'sluice.fixture-kinesis.clicks' } },
      'audit-log': {
        records: { kind: 'firehose', name: 'sluice.fixture-kinesis.audit-log' },
        deadLetter: { kind: 'firehose', name: 'sluice.fixture-kinesis.audit-log.dlq' },
      },
    });
  });

  it('lets each Firehose role read only its own Kinesis stream and write only under its own prefixes', () => {
    const [clicksId] = firehoseWithPrefix(recordsPrefix('clicks'));
    const policy = Object.values(resourcesOf('AWS::IAM::Policy')).find((candidate) =>
      JSON.stringify(candidate.Properties?.Roles).includes('StreamclicksFirehoseRole'),
    );
    const text = JSON.stringify(policy?.Properties?.PolicyDocument);
    expect(text).toContain('/streams/clicks/year=*');
    expect(text).toContain('/errors/clicks/*');
    expect(text).not.toMatch(/audit-log|"\*"|s3:\*|kinesis:\*/);
    expect(clicksId).toMatch(/^Streamclicks/);
  });

  it('points the JWT authorizer at the external issuer and audience, and creates no self issuer', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: issuer, Audience: ['sluice-api', 'sluice-batch'] },
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[STACK_OUTPUTS.issuer]?.Value).toBe(issuer);
    expect(outputs).not.toHaveProperty(STACK_OUTPUTS.signingKeySecret);
    expect(outputs).not.toHaveProperty(STACK_OUTPUTS.maxTokenDays);
    const open = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'))
      .filter((route) => (route.Properties?.AuthorizationType ?? 'NONE') === 'NONE')
      .map((route) => route.Properties?.RouteKey);
    // No discovery routes without the self issuer; health and the API docs stay.
    expect(open.sort()).toEqual([HEALTH_PATH, ...API_DOCS_PATHS].map((path) => `GET ${path}`).sort());
  });

  it("throttles the stage per tenant and the throttled stream's route per stream", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      RouteSettings: {
        [`POST ${ingestPath('clicks')}`]: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        [`POST ${validatePath('clicks')}`]: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `POST ${ingestPath('audit-log')}`,
      AuthorizationScopes: routeScopes('audit-log'),
    });
  });

  it('applies the storage lifecycle from the config', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 400,
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
          Match.objectLike({ Id: 'expire-athena-results', Prefix: 'athena-results/' }),
        ],
      },
    });
  });

  it('outputs each delivery stream under a key that keeps "audit-log" apart from "auditlog"', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(
      expect.arrayContaining([
        deliveryStreamOutput('clicks'),
        deliveryStreamOutput('audit-log'),
        deadLetterStreamOutput('audit-log'),
      ]),
    );
    expect(deliveryStreamOutput('audit-log')).not.toBe(deliveryStreamOutput('auditlog'));
  });

  it('makes no pull resources for a tenant without sources', () => {
    for (const type of ['AWS::StepFunctions::StateMachine', 'AWS::Scheduler::Schedule']) {
      template.resourceCountIs(type, 0);
    }
    // The one table is the ingest function's Idempotency-Key table, which every tenant has.
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual([
      expect.stringMatching(/^IdempotencyTable/),
    ]);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: { [ENV.pullStateTable]: Match.anyValue() } } },
      0,
    );
    expect(synth.stack.pullSources).toBeUndefined();
  });
});
