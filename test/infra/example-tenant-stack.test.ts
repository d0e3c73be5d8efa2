import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE_ACTIONS } from '#infra/constructs/ingest/idempotency-table';
import { createTenantApp } from '#infra/tenant-app';
import { loadTenant } from '#shared/config/tenant-loader';
import {
  HEALTH_PATH,
  INGEST_FUNCTION_TIMEOUT_MS,
  ingestPath,
  JWKS_PATH,
  OPENID_CONFIGURATION_PATH,
  PUBLIC_ROUTE_THROTTLE,
  validatePath,
  WEBHOOK_ROUTE_THROTTLE,
} from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import { IDEMPOTENCY_EXPIRY_ATTRIBUTE, IDEMPOTENCY_PARTITION_KEY } from '#shared/contract/idempotency-table';
import {
  deadLetterStreamOutput,
  deliveryStreamOutput,
  STACK_OUTPUT_ROWS,
  STACK_OUTPUTS,
} from '#shared/contract/stack-outputs';
import { deadLetterPrefix, errorOutputPrefix, fileExtension, recordsPrefix } from '#shared/contract/storage-layout';
import { API_DOCS_PATHS } from '#shared/openapi/api-docs';
import { routeScopes, selfIssuerAudience } from '#shared/tokens/token-claims';
import {
  deliveryTargets,
  ingestBundle,
  ingestBundleSources,
  ingestColdStartSources,
  pullBundlePath,
  pullBundleSources,
  type SynthesizedTenant,
  synthTenant,
} from './synth-tenant.ts';

const FULL_TENANT = fileURLToPath(new URL('./fixtures/full-tenant.ts', import.meta.url));

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

let synth: SynthesizedTenant;
let template: Template;

beforeAll(async () => {
  synth = await synthTenant(FULL_TENANT);
  template = synth.template;
  // Bundling five functions takes a minute or more on a busy machine.
}, 240_000);

const resourcesOf = (type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

const firehoseWithPrefix = (prefix: string) => {
  const found = Object.entries(resourcesOf('AWS::KinesisFirehose::DeliveryStream')).filter(
    ([, resource]) =>
      (resource.Properties?.ExtendedS3DestinationConfiguration as { Prefix?: string } | undefined)?.Prefix === prefix,
  );
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
};

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The statements of every inline policy of the role of the function whose description matches. */
const roleStatementsOf = (description: RegExp): { roleId: string; statements: Statement[] } => {
  const fn = Object.values(resourcesOf('AWS::Lambda::Function')).find((resource) =>
    description.test(String(resource.Properties?.Description)),
  );
  const roleId = String((fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0]);
  const policies = Object.values(resourcesOf('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties?.Roles ?? []).includes(`"${roleId}"`),
  );
  const statements = policies.flatMap(
    (policy) => (policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
  );
  return { roleId, statements };
};

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

const jwksParameter = '/sluice/example/jwks';
const jwksParameterArn = `:parameter${jwksParameter}`;

const apiEndpoint = { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestApi'), 'ApiEndpoint'] };

describe('stack Sluice-example', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('encrypts the landing bucket with its KMS key, blocks public access, requires TLS and logs access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'landing/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('denies every request without TLS on the landing bucket itself, not only on its access log bucket', () => {
    const landingIds = Object.keys(resourcesOf('AWS::S3::Bucket')).filter((id) =>
      /^LandingBucket[0-9A-F]{8}$/.test(id),
    );
    expect(landingIds).toHaveLength(1);
    const landingId = landingIds[0] as string;
    const landing = { 'Fn::GetAtt': [landingId, 'Arn'] };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: landingId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [landing, { 'Fn::Join': ['', [landing, '/*']] }],
          }),
        ]),
      },
    });
  });

  it('keeps the landing bucket when the stack is deleted, but not after a failed first deploy', () => {
    const buckets = Object.values(resourcesOf('AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThan(0);
    for (const bucket of buckets) expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('retains nothing that a rolled-back first deploy would leave behind to block the retry', () => {
    const resources = Object.entries(template.toJSON().Resources as Record<string, Resource>);
    const retained = resources.filter(([, resource]) => resource.DeletionPolicy === 'RetainExceptOnCreate');
    // The log groups (one with a fixed name), keys, buckets, secret and tables CDK or we retain.
    expect(retained.map(([, resource]) => resource.Type)).toEqual(
      expect.arrayContaining(['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::DynamoDB::Table']),
    );
    expect(resources.filter(([, resource]) => resource.DeletionPolicy === 'Retain').map(([id]) => id)).toEqual([]);
  });

  it('gives each stream a Direct PUT Firehose stream with its prefixes, buffering, compression and extension', () => {
    const streams = [
      ['orders', 'json'],
      ['events', 'json'],
      ['profiles', 'xml'],
    ] as const;
    for (const [id, payload] of streams) {
      const [, resource] = firehoseWithPrefix(recordsPrefix(id));
      expect(resource.Properties).toMatchObject({
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        ExtendedS3DestinationConfiguration: {
          ErrorOutputPrefix: errorOutputPrefix(id),
          FileExtension: fileExtension(payload, 'none'),
          CompressionFormat: 'UNCOMPRESSED',
          BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
          EncryptionConfiguration: {
            KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [expect.stringMatching(/^LandingDataKey/), 'Arn'] } },
          },
          CloudWatchLoggingOptions: { Enabled: true },
        },
      });
    }
    expect(recordsPrefix('orders')).toMatch(/^streams\/orders\/year=!\{timestamp:yyyy\}\//);
  });

  it('adds a dead-letter Firehose stream under dlq/ only for streams with deadLetter', () => {
    const [, dlq] = firehoseWithPrefix(deadLetterPrefix('orders'));
    expect(dlq.Properties).toMatchObject({
      ExtendedS3DestinationConfiguration: { FileExtension: '.ndjson' },
    });
    expect(Object.keys(resourcesOf('AWS::KinesisFirehose::DeliveryStream'))).toHaveLength(5);
    expect(Object.keys(resourcesOf('AWS::Kinesis::Stream'))).toHaveLength(0);
  });

  it('keeps the logical ids of the delivery streams, so that no deploy replaces one', () => {
    expect(Object.keys(resourcesOf('AWS::KinesisFirehose::DeliveryStream')).sort()).toEqual([
      'DeadLetterordersFirehoseF7891CB5',
      'StreameventsFirehose963ABC6D',
      'StreamgithubFirehoseEAE558A0',
      'StreamordersFirehose89BF24B0',
      'StreamprofilesFirehose5E62962B',
    ]);
  });

  it('runs the ingest function on Node.js 24, arm64, below the gateway timeout, with its delivery targets', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: INGEST_FUNCTION_TIMEOUT_MS / 1000,
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          [ENV.tenant]: 'example',
          [ENV.deliveryTargets]: Match.anyValue(),
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it("bundles the ingest function with Lambda's credential chain and without a Kinesis client", () => {
    const bundle = ingestBundle(synth, 'example');
    expect(bundle).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    expect(bundle).not.toMatch(/fromSSO|fromProcess|fromTokenFile|fromInstanceMetadata/);
    expect(bundle).not.toContain('Kinesis_20131202');
    const sources = ingestBundleSources(synth, 'example');
    expect(sources.some((source) => source.endsWith('functions/ingest/handler.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('functions/shared/kinesis-route.ts'))).toBe(false);
  });

  it('loads the Idempotency-Key layer, its DynamoDB client, the Secrets Manager client and the XML parser only when first needed', () => {
    const all = ingestBundleSources(synth, 'example');
    const coldStart = ingestColdStartSources(synth, 'example');
    const lazy = [
      'functions/ingest/idempotency/idempotent-answers.ts',
      '@aws-lambda-powertools/idempotency/',
      '@aws-sdk/client-dynamodb/',
      '@aws-sdk/client-secrets-manager/',
      'fast-xml-parser/',
      'shared/framing/xml-document.ts',
    ];
    for (const part of lazy) {
      expect(all.some((source) => source.includes(part))).toBe(true);
      expect(coldStart.filter((source) => source.includes(part))).toEqual([]);
    }
    expect(coldStart.some((source) => source.endsWith('functions/ingest/handler.ts'))).toBe(true);
  });

  it('binds each stream to its named Firehose stream (and the dead-letter one) in SLUICE_DELIVERY_TARGETS', () => {
    const nameOf = (prefix: string) => firehoseWithPrefix(prefix)[1].Properties?.DeliveryStreamName;
    expect(nameOf(recordsPrefix('orders'))).toBe('sluice.example.orders');
    expect(nameOf(deadLetterPrefix('orders'))).toBe('sluice.example.orders.dlq');
    expect(deliveryTargets(template, 'example')).toEqual({
      orders: {
        records: { kind: 'firehose', name: 'sluice.example.orders' },
        deadLetter: { kind: 'firehose', name: 'sluice.example.orders.dlq' },
      },
      events: { records: { kind: 'firehose', name: 'sluice.example.events' } },
      profiles: { records: { kind: 'firehose', name: 'sluice.example.profiles' } },
      github: { records: { kind: 'firehose', name: 'sluice.example.github' } },
    });
  });

  it('reserves no Lambda concurrency unless the config asks: the route throttles are the limit and answer 429', () => {
    const reserved = Object.values(resourcesOf('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties?.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserved).toEqual([]);
  });

  it('keeps Idempotency-Key records in an on-demand table keyed by id, encrypted, with TTL on the expiry and point-in-time recovery', () => {
    const tables = Object.entries(resourcesOf('AWS::DynamoDB::Table')).filter(([id]) =>
      id.startsWith('IdempotencyTable'),
    );
    expect(tables).toHaveLength(1);
    const [, table] = tables[0] as [string, Resource];
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: IDEMPOTENCY_PARTITION_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_PARTITION_KEY, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_EXPIRY_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.Properties?.SSESpecification).not.toHaveProperty('KMSMasterKeyId');
    expect(table.DeletionPolicy).toBe('Delete');
  });

  it('gives the ingest function the table in SLUICE_IDEMPOTENCY_TABLE and only the four item actions Powertools uses, on that table', () => {
    const [tableId] = Object.keys(resourcesOf('AWS::DynamoDB::Table')).filter((id) =>
      id.startsWith('IdempotencyTable'),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.tenant]: 'example', [ENV.idempotencyTable]: { Ref: tableId } }),
      },
    });
    const { statements } = roleStatementsOf(/: ingest$/);
    const dynamoDb = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('dynamodb:')));
    expect(dynamoDb.flatMap(actionsOf).sort()).toEqual([...IDEMPOTENCY_TABLE_ACTIONS].sort());
    for (const statement of dynamoDb) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      expect(resources).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    }
  });

  it('lets the ingest function call only firehose:PutRecordBatch, on its own delivery streams, besides its idempotency table', () => {
    type Statement = { Action: unknown; Resource: unknown };
    const policies = Object.values(resourcesOf('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties?.Roles ?? []).includes('"IngestRole'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies.flatMap(
      (policy) => (policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
    );
    const firehoseArns = Object.keys(resourcesOf('AWS::KinesisFirehose::DeliveryStream')).map((id) => ({
      'Fn::GetAtt': [id, 'Arn'],
    }));
    const putStatements = statements.filter((statement) => JSON.stringify(statement.Action).includes('firehose:'));
    expect(putStatements.length).toBeGreaterThan(0);
    for (const statement of putStatements) {
      expect(statement.Action).toBe('firehose:PutRecordBatch');
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) expect(firehoseArns).toContainEqual(resource);
    }
    // The one '*' is kms:Decrypt of the webhook secret, conditioned on it (asserted below).
    const others = statements.filter((statement) => statement.Action !== 'kms:Decrypt');
    expect(JSON.stringify(others)).not.toMatch(/"Resource":"\*"|firehose:\*|s3:|kinesis:/);
  });

  it("routes POST /stream/v0/data/<id> per stream through the JWT authorizer with that stream's scopes", () => {
    for (const id of ['orders', 'events', 'profiles']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `POST ${ingestPath(id)}`,
        AuthorizationType: 'JWT',
        AuthorizerId: Match.anyValue(),
        AuthorizationScopes: routeScopes(id),
      });
    }
  });

  it("routes each stream's dry run POST /stream/v0/validate/<id> to the ingest function with the same authorizer and scopes", () => {
    const routes = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'));
    for (const id of ['orders', 'events', 'profiles']) {
      const [data, dryRun] = [ingestPath(id), validatePath(id)].map((path) =>
        routes.find((route) => route.Properties?.RouteKey === `POST ${path}`),
      );
      expect(dryRun?.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: routeScopes(id) });
      expect(dryRun?.Properties?.AuthorizerId).toEqual(data?.Properties?.AuthorizerId);
      expect(dryRun?.Properties?.Target).toEqual(data?.Properties?.Target);
    }
  });

  it('trusts its own API URL as issuer, with the tenant audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: apiEndpoint, Audience: [selfIssuerAudience('example')] },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const authorizer = Object.values(resourcesOf('AWS::ApiGatewayV2::Authorizer'))[0];
    const jwt = authorizer?.Properties?.JwtConfiguration as { Issuer?: unknown } | undefined;
    expect(outputs[STACK_OUTPUTS.issuer]?.Value).toEqual(jwt?.Issuer);
    expect(outputs[STACK_OUTPUTS.apiUrl]?.Value).toEqual(outputs[STACK_OUTPUTS.issuer]?.Value);
  });

  it('leaves only health, the discovery documents, the API docs and the github webhook stream without a JWT authorizer', () => {
    const open = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'))
      .filter((route) => (route.Properties?.AuthorizationType ?? 'NONE') === 'NONE')
      .map((route) => route.Properties?.RouteKey)
      .sort();
    expect(open).toEqual(
      [
        `GET ${JWKS_PATH}`,
        `GET ${OPENID_CONFIGURATION_PATH}`,
        `GET ${HEALTH_PATH}`,
        ...API_DOCS_PATHS.map((path) => `GET ${path}`),
        `POST ${ingestPath('github')}`,
        `POST ${validatePath('github')}`,
      ].sort(),
    );
    const [github] = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).filter(
      (route) => route.Properties?.RouteKey === `POST ${ingestPath('github')}`,
    );
    expect(github?.Properties).not.toHaveProperty('AuthorizerId');
    expect(github?.Properties).not.toHaveProperty('AuthorizationScopes');
  });

  it("lets the ingest function read exactly the github stream's webhook secret, also under a customer-managed key, as the pull function does", () => {
    const { statements } = roleStatementsOf(/: ingest$/);
    const secretStatements = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
    expect(actionsOf(secretStatements[0] as Statement)).toEqual(['secretsmanager:GetSecretValue']);
    const webhookSecretArn = secretStatements[0]?.Resource;
    expect(JSON.stringify(webhookSecretArn)).toMatch(/:secret:github-webhook-\?{6}"/);
    const decrypt = statements.filter((statement) => actionsOf(statement).includes('kms:Decrypt'));
    expect(decrypt).toEqual([
      expect.objectContaining({
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
          },
          StringLike: { 'kms:EncryptionContext:SecretARN': [webhookSecretArn] },
        },
      }),
    ]);
  });

  it('throttles the stage with the tenant throttle and writes access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
    const logGroups = Object.values(resourcesOf('AWS::Logs::LogGroup'));
    for (const group of logGroups) expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
  });

  it('writes JSON access logs with the API id in a /aws/vendedlogs/apigateway/ group, outside the Logs resource policy', () => {
    const [stage] = Object.values(resourcesOf('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties?.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const groupId = (settings.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const group = resourcesOf('AWS::Logs::LogGroup')[groupId];
    expect(group?.Properties?.LogGroupName).toEqual({
      'Fn::Join': ['', ['/aws/vendedlogs/apigateway/', { Ref: expect.stringMatching(/^IngestApi/) }]],
    });
    expect(JSON.parse(settings.Format)).toEqual({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      authorizerError: '$context.authorizer.error',
      integrationErrorMessage: '$context.integrationErrorMessage',
      integrationLatency: '$context.integrationLatency',
      responseLatency: '$context.responseLatency',
      responseLength: '$context.responseLength',
    });
  });

  it('gives health, both discovery routes and the API docs their own small throttle, so anonymous GETs cannot use up the stage', () => {
    const publicThrottle = {
      ThrottlingRateLimit: PUBLIC_ROUTE_THROTTLE.rate,
      ThrottlingBurstLimit: PUBLIC_ROUTE_THROTTLE.burst,
    };
    const [stageId, stage] = Object.entries(resourcesOf('AWS::ApiGatewayV2::Stage'))[0] ?? [];
    const settings = stage?.Properties?.RouteSettings as Record<string, unknown> | undefined;
    for (const path of [HEALTH_PATH, OPENID_CONFIGURATION_PATH, JWKS_PATH, ...API_DOCS_PATHS]) {
      expect(settings?.[`GET ${path}`]).toEqual(publicThrottle);
    }
    expect(PUBLIC_ROUTE_THROTTLE.rate).toBeLessThan(500);
    const routeIds = Object.entries(resourcesOf('AWS::ApiGatewayV2::Route'))
      .filter(([, route]) => String(route.Properties?.RouteKey).startsWith('GET '))
      .map(([id]) => id);
    expect(routeIds).toHaveLength(3 + API_DOCS_PATHS.length);
    const dependsOn = (template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[String(stageId)]
      ?.DependsOn;
    expect(dependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it("gives the webhook stream's unauthenticated routes their own low throttle, not the tenant's", () => {
    const [, stage] = Object.entries(resourcesOf('AWS::ApiGatewayV2::Stage'))[0] ?? [];
    const settings = stage?.Properties?.RouteSettings as Record<string, unknown> | undefined;
    const webhookThrottle = {
      ThrottlingRateLimit: WEBHOOK_ROUTE_THROTTLE.rate,
      ThrottlingBurstLimit: WEBHOOK_ROUTE_THROTTLE.burst,
    };
    expect(settings?.[`POST ${ingestPath('github')}`]).toEqual(webhookThrottle);
    expect(settings?.[`POST ${validatePath('github')}`]).toEqual(webhookThrottle);
    expect(WEBHOOK_ROUTE_THROTTLE.burst).toBeLessThan(1000);
    // Streams with a JWT keep the stage's default route throttle.
    expect(settings?.[`POST ${ingestPath('orders')}`]).toBeUndefined();
  });

  it('warns at synth that a self issuer without key readers leaves nobody able to mint a token, and says how to fix it', () => {
    Annotations.fromStack(synth.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('no auth.keyReaders.*aws sts get-caller-identity.*auth.keyReaders'),
    );
  });

  it('keeps the signing keys in a KMS-encrypted secret rotated on schedule, made at deploy time', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(90 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    template.resourceCountIs('AWS::CloudFormation::CustomResource', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('signing key rotation'),
      Environment: { Variables: Match.objectLike({ [ENV.maxTokenDays]: '30' }) },
    });
  });

  it('leaves the JWKS parameter to the key bootstrap, so no change to its description or tags can empty it', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    template.hasResourceProperties('AWS::CloudFormation::CustomResource', {
      SecretId: Match.anyValue(),
      JwksParameter: jwksParameter,
      JwksDescription: Match.stringLikeRegexp('public JWKS'),
    });
  });

  it('lets the public discovery function read the JWKS parameter only, and neither the secret nor its key', () => {
    const { roleId, statements } = roleStatementsOf(/OpenID configuration and JWKS/);
    const ssmStatements = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('ssm:')));
    expect(ssmStatements).toHaveLength(1);
    expect(actionsOf(ssmStatements[0] as Statement)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssmStatements[0]?.Resource)).toContain(jwksParameterArn);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) expect(action).toMatch(/^(logs|ssm):/);
    }
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager:|kms:/);
    for (const type of ['AWS::KMS::Key', 'AWS::SecretsManager::ResourcePolicy']) {
      for (const resource of Object.values(resourcesOf(type))) expect(JSON.stringify(resource)).not.toContain(roleId);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('OpenID configuration and JWKS'),
      Environment: { Variables: Match.objectLike({ [ENV.jwksParameter]: jwksParameter }) },
    });
    const discovery = Object.values(resourcesOf('AWS::Lambda::Function')).find((resource) =>
      /OpenID configuration/.test(String(resource.Properties?.Description)),
    );
    expect(JSON.stringify(discovery?.Properties?.Environment)).not.toContain(ENV.signingKeySecret);
  });

  it('updates the discovery function only after the bootstrap has published the JWKS', () => {
    const [bootstrapId] = Object.keys(resourcesOf('AWS::CloudFormation::CustomResource'));
    const resources = template.toJSON().Resources as Record<string, Resource & { DependsOn?: string[] }>;
    const discovery = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        /OpenID configuration/.test(String(resource.Properties?.Description)),
    );
    expect(discovery?.DependsOn).toContain(bootstrapId);
  });

  it('refuses at synth a rotation schedule that would keep more keys published than the parameter holds', async () => {
    const tenant = await loadTenant(FULL_TENANT);
    const auth = { issuer: 'self', rotationDays: 1, maxTokenDays: 30, keyReaders: [] } as const;
    expect(() => createTenantApp({ ...tenant, config: { ...tenant.config, auth } }, { nag: false })).toThrow(
      /keeps 32 keys published/,
    );
  });

  it('lets the key bootstrap write and delete the JWKS parameter, and the rotation write it', () => {
    const expected = [
      [/first signing key/, ['ssm:DeleteParameter', 'ssm:PutParameter']],
      [/signing key rotation/, ['ssm:PutParameter']],
    ] as const;
    for (const [description, actions] of expected) {
      const { statements } = roleStatementsOf(description);
      const ssmStatements = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('ssm:')));
      expect(ssmStatements).toHaveLength(1);
      expect(actionsOf(ssmStatements[0] as Statement).sort()).toEqual([...actions]);
      expect(JSON.stringify(ssmStatements[0]?.Resource)).toContain(jwksParameterArn);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('signing key rotation'),
      Environment: { Variables: Match.objectLike({ [ENV.jwksParameter]: jwksParameter }) },
    });
  });

  it('lets the key bootstrap only read and put the key set, not update the secret or move its stages', () => {
    const { statements } = roleStatementsOf(/first signing key/);
    const secretActions = statements
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('secretsmanager:'))
      .sort();
    expect(secretActions).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
  });

  it('lets Secrets Manager invoke the rotation function only for this secret, from this account', () => {
    const [secretId] = Object.keys(resourcesOf('AWS::SecretsManager::Secret'));
    const permissions = Object.values(resourcesOf('AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties?.Principal === 'secretsmanager.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^SelfIssuerRotation/), 'Arn'] },
      SourceArn: { Ref: secretId },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('denies reading the signing keys to every principal but the bootstrap and rotation roles', () => {
    const issuerRoles = [/first signing key/, /signing key rotation/].map((description) => ({
      'Fn::GetAtt': [roleStatementsOf(description).roleId, 'Arn'],
    }));
    const denyToOthers = (actions: unknown) =>
      Match.objectLike({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: actions,
        Condition: { StringNotEquals: { 'aws:PrincipalArn': issuerRoles } },
      });
    const [secretId] = Object.keys(resourcesOf('AWS::SecretsManager::Secret'));
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: secretId },
      ResourcePolicy: {
        Statement: Match.arrayWith([denyToOthers(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'])]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('token signing keys'),
      KeyPolicy: { Statement: Match.arrayWith([denyToOthers('kms:Decrypt')]) },
    });
  });

  it('lets Firehose use the landing key only through S3, for its own bucket and prefixes', () => {
    const [bucketId] = Object.keys(resourcesOf('AWS::S3::Bucket')).filter((id) => id.startsWith('LandingBucket'));
    const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    const policy = Object.values(resourcesOf('AWS::IAM::Policy')).find((candidate) =>
      JSON.stringify(candidate.Properties?.Roles).includes('StreamordersFirehoseRole'),
    );
    type Conditional = Statement & { Condition?: unknown };
    const document = policy?.Properties?.PolicyDocument as { Statement?: Conditional[] } | undefined;
    const statements = document?.Statement ?? [];
    const kmsStatements = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toHaveLength(1);
    expect(kmsStatements[0]?.Condition).toMatchObject({
      StringEquals: { 'kms:ViaService': expect.anything() },
      StringLike: {
        'kms:EncryptionContext:aws:s3:arn': [
          bucketArn,
          { 'Fn::Join': ['', [bucketArn, '/streams/orders/year=*']] },
          { 'Fn::Join': ['', [bucketArn, '/errors/orders/*']] },
        ],
      },
    });
  });

  it("outputs the self issuer's maxTokenDays for token create --stack", () => {
    template.hasOutput(STACK_OUTPUTS.maxTokenDays, { Value: '30' });
  });

  it("outputs every stack-wide output of the table with its description, and each stream's delivery streams", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Description: string }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        ...Object.values(STACK_OUTPUT_ROWS).map((row) => row.key),
        deliveryStreamOutput('orders'),
        deliveryStreamOutput('events'),
        deliveryStreamOutput('profiles'),
        deliveryStreamOutput('github'),
        deadLetterStreamOutput('orders'),
      ].sort(),
    );
    for (const row of Object.values(STACK_OUTPUT_ROWS)) expect(outputs[row.key]?.Description).toBe(row.description);
  });

  it('pulls its sample source on a one-minute schedule with a pull function bundled from its own config, without Kinesis', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const sources = pullBundleSources(synth, 'example');
    expect(sources.some((source) => source.endsWith('functions/pull/handler.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('fixtures/full-tenant.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('functions/shared/kinesis-route.ts'))).toBe(false);
    expect(readFileSync(pullBundlePath(synth, 'example'), 'utf8')).not.toContain('Kinesis_20131202');
  });

  it("sizes the pull function's memory from the default maxPageBytes (8 MiB): 512 + 6 x 8 MB, rounded up to 64", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Sluice example: pull sources',
      MemorySize: 576,
    });
  });
});
