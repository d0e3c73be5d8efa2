import { fileURLToPath, pathToFileURL } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EXECUTION_EXISTS_ERROR,
  LAMBDA_SERVICE_ERRORS,
  PULL_RUN_FAILED_ERROR,
  RUN_NAME_EXPRESSION,
} from '#infra/constructs/pull-sources-defaults';
import { createTenantApp } from '#infra/tenant-app';
import { loadTenant } from '#shared/config/tenant-loader';
import { ENV } from '#shared/contract/environment';
import { pullBundlePath, pullBundleSources, type SynthesizedTenant, synthTenant } from './synth-tenant.ts';

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
type State = Record<string, unknown> & { Type: string };

const fixture = fileURLToPath(new URL('./fixtures/pull-tenant.ts', import.meta.url));
let synth: SynthesizedTenant;
let template: Template;

beforeAll(async () => {
  synth = await synthTenant(fixture);
  template = synth.template;
  // Bundling takes a minute or more on a busy machine.
}, 240_000);

const resourcesOf = (type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

const onlyIdOf = (type: string): string => {
  const ids = Object.keys(resourcesOf(type));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

const logicalIdOf = (type: string, prefix: string): string => {
  const ids = Object.keys(resourcesOf(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

const pullFunction = (): Resource => {
  const found = Object.values(resourcesOf('AWS::Lambda::Function')).filter(
    (fn) => fn.Properties?.Description === 'Sluice fixture-pull: pull sources',
  );
  expect(found).toHaveLength(1);
  return found[0] as Resource;
};

/** Every statement of the inline policies attached to a role. */
const statementsOfRole = (roleId: string): Statement[] =>
  Object.values(resourcesOf('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties?.Roles ?? []) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(
      (policy) => (policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
    );

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

const secretArn = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}-??????`,
    ],
  ],
});

/** The state machine's definition as JSON, each CloudFormation token written as "TOKEN". */
const definition = (): {
  StartAt: string;
  QueryLanguage: string;
  TimeoutSeconds: number;
  States: Record<string, State>;
} => {
  const machine = resourcesOf('AWS::StepFunctions::StateMachine')[onlyIdOf('AWS::StepFunctions::StateMachine')];
  const joined = machine?.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = joined['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
};

const stateOf = (name: string): State => {
  const state = definition().States[name];
  expect(state, `state "${name}"`).toBeDefined();
  return state as State;
};

describe('a tenant with pull sources', () => {
  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(synth.stack.stackName).toBe('Sluice-fixture-pull');
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('keeps source state in one on-demand DynamoDB table keyed by source, encrypted, with point-in-time recovery, kept on delete', () => {
    // Two tables: this one and the ingest function's Idempotency-Key table.
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'source', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'source', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      // SSE on without a key of ours: the AWS managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent(), SSEType: Match.absent() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    const table = resourcesOf('AWS::DynamoDB::Table')[logicalIdOf('AWS::DynamoDB::Table', 'PullState')];
    expect(table?.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('runs the pull function as a house function: Node.js 24 on arm64 with a 15-minute timeout', () => {
    expect(pullFunction().Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 900,
      Handler: 'index.handler',
    });
  });

  it("builds the pull function from the static entry functions/pull/handler.ts with this tenant's config and the Kinesis route", () => {
    const sources = pullBundleSources(synth, 'fixture-pull');
    expect(sources.some((source) => source.endsWith('functions/pull/handler.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('test/infra/fixtures/pull-tenant.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('tenants/example.ts'))).toBe(false);
    // `hubspot` lands in `deals`, a Kinesis stream.
    expect(sources.some((source) => source.endsWith('functions/ingest/kinesis-route.ts'))).toBe(true);
  });

  it('exports a handler bound to the tenant from the bundle, which refuses an unknown source by name', async () => {
    vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ issues: { records: { kind: 'firehose', name: 'issues-fh' } } }));
    vi.stubEnv(ENV.pullStateTable, 'state');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    try {
      const bundle = (await import(pathToFileURL(pullBundlePath(synth, 'fixture-pull')).href)) as {
        handler?: (event: unknown, context: unknown) => Promise<unknown>;
      };
      expect(typeof bundle.handler).toBe('function');
      const context = { getRemainingTimeInMillis: () => 900_000 };
      await expect(
        bundle.handler?.({ source: 'nope', scheduledTime: '2026-03-01T12:15:00Z' }, context),
      ).rejects.toThrow('tenant fixture-pull has no source nope');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('gives the pull function the tenant, the state table and the delivery bindings of exactly the sources’ streams', () => {
    const variables =
      (pullFunction().Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    expect(variables[ENV.tenant]).toBe('fixture-pull');
    expect(variables[ENV.pullStateTable]).toEqual({ Ref: logicalIdOf('AWS::DynamoDB::Table', 'PullState') });
    const targets = JSON.stringify(variables[ENV.deliveryTargets]);
    expect(targets).toContain('\\"issues\\":{\\"records\\":{\\"kind\\":\\"firehose\\"');
    expect(targets).toContain('\\"deadLetter\\":{\\"kind\\":\\"firehose\\"');
    expect(targets).toContain('\\"deals\\":{\\"records\\":{\\"kind\\":\\"kinesis\\"');
    // `orders` is a stream of the tenant that no source lands in.
    expect(targets).not.toContain('orders');
  });

  it('grants the pull function exactly its table actions, its streams’ puts, the named secrets and a Secrets-Manager-only decrypt', () => {
    const roleId = logicalIdOf('AWS::IAM::Role', 'PullFunctionRole');
    const statements = statementsOfRole(roleId);
    const tableId = logicalIdOf('AWS::DynamoDB::Table', 'PullState');
    const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    const byAction = (action: string) => statements.filter((statement) => actionsOf(statement).includes(action));

    expect(statements.flatMap(actionsOf).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'firehose:PutRecordBatch',
        'kinesis:PutRecords',
        'kms:Decrypt',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect(byAction('dynamodb:GetItem')).toEqual([
      expect.objectContaining({
        Resource: arn(tableId),
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      }),
    ]);
    expect(byAction('firehose:PutRecordBatch')[0]?.Resource).toEqual(
      expect.arrayContaining([
        arn(logicalIdOf('AWS::KinesisFirehose::DeliveryStream', 'StreamissuesFirehose')),
        arn(logicalIdOf('AWS::KinesisFirehose::DeliveryStream', 'DeadLetterissuesFirehose')),
      ]),
    );
    expect(byAction('firehose:PutRecordBatch')[0]?.Resource).toHaveLength(2);
    expect(byAction('kinesis:PutRecords')[0]?.Resource).toEqual(arn(onlyIdOf('AWS::Kinesis::Stream')));
    expect(byAction('secretsmanager:GetSecretValue')).toEqual([
      expect.objectContaining({ Resource: [secretArn('github-token'), secretArn('hubspot/client')] }),
    ]);
    expect(byAction('kms:Decrypt')).toEqual([
      expect.objectContaining({
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
          },
          StringLike: { 'kms:EncryptionContext:SecretARN': [secretArn('github-token'), secretArn('hubspot/client')] },
        },
      }),
    ]);
  });

  it('makes one Standard state machine, traced, encrypted, logging everything to a vended-logs group', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'sluice-fixture-pull-pull',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      EncryptionConfiguration: { Type: 'AWS_OWNED_KEY' },
      LoggingConfiguration: {
        Level: 'ALL',
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PullStateMachineLogs'), 'Arn'] },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/sluice-fixture-pull-pull',
      RetentionInDays: 30,
    });
  });

  it('ends an execution that outlives the longest source budget (120 minutes) by two slices', () => {
    expect(definition().TimeoutSeconds).toBe((120 + 30) * 60);
    expect(definition().QueryLanguage).toBe('JSONata');
  });

  it('starts a scheduled tick as a run execution named from the source and the scheduled time', () => {
    expect(definition().StartAt).toBe('Run named?');
    expect(stateOf('Run named?')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Condition: '{% $exists($states.input.runId) %}', Next: 'Pull slice' }],
      Default: 'Start run',
    });
    expect(stateOf('Start run')).toMatchObject({
      Type: 'Task',
      Resource: 'arn:TOKEN:states:::states:startExecution',
      Arguments: {
        StateMachineArn: 'arn:TOKEN:states:TOKEN:TOKEN:stateMachine:sluice-fixture-pull-pull',
        Name: `{% ${RUN_NAME_EXPRESSION} %}`,
        Input: { source: '{% $states.input.source %}', runId: `{% ${RUN_NAME_EXPRESSION} %}` },
      },
      Next: 'Run started',
    });
    expect(RUN_NAME_EXPRESSION).toContain("$replace($states.input.scheduledTime, ':', '')");
  });

  it('refuses a duplicate start of the same source and scheduled time without failing', () => {
    expect(stateOf('Start run').Catch).toEqual([
      expect.objectContaining({ ErrorEquals: [EXECUTION_EXISTS_ERROR], Next: 'Duplicate start refused' }),
    ]);
    expect(stateOf('Duplicate start refused').Type).toBe('Succeed');
  });

  it('invokes the pull function with the run id, retrying only Lambda service errors and throttles with jitter', () => {
    const slice = stateOf('Pull slice');
    expect(slice).toMatchObject({
      Type: 'Task',
      Resource: 'arn:TOKEN:states:::lambda:invoke',
      Arguments: {
        FunctionName: 'TOKEN',
        Payload: {
          source: '{% $states.input.source %}',
          scheduledTime: '{% $states.input.scheduledTime %}',
          runId: '{% $states.input.runId %}',
        },
      },
      Next: 'Run done?',
    });
    expect(slice.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], JitterStrategy: 'FULL', BackoffRate: 2 }),
    ]);
    expect(LAMBDA_SERVICE_ERRORS).toContain('Lambda.TooManyRequestsException');
    expect(JSON.stringify(slice.Retry)).not.toMatch(/States\.ALL|States\.TaskFailed|Lambda\.Unknown/);
  });

  it('loops while the slice says not done, succeeds on a succeeded or partial run and fails on anything else', () => {
    expect(stateOf('Run done?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Condition: '{% $states.input.done = false %}', Next: 'Pull slice' },
        {
          Condition: "{% $states.input.done = true and $states.input.summary.status in ['succeeded', 'partial'] %}",
          Next: 'Run ended',
        },
      ],
      Default: 'Run failed',
    });
    expect(stateOf('Run failed')).toMatchObject({
      Type: 'Fail',
      Error: PULL_RUN_FAILED_ERROR,
      Cause: expect.stringContaining('$states.input.summary.reason'),
    });
    expect(stateOf('Run ended').Type).toBe('Succeed');
  });

  it('lets the state machine start only its own executions and invoke only the pull function', () => {
    const roleId = logicalIdOf('AWS::IAM::Role', 'PullStateMachineRole');
    const statements = statementsOfRole(roleId).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('states:') || action.startsWith('lambda:')),
    );
    const functionId = logicalIdOf('AWS::Lambda::Function', 'PullFunction');
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':stateMachine:sluice-fixture-pull-pull',
            ],
          ],
        },
      }),
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [functionId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [functionId, 'Arn'] }, ':*']] },
        ],
      }),
    ]);
  });

  it('schedules each source with its own expression, no flexible window, the scheduled time in the input and a retry policy', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    const machineId = onlyIdOf('AWS::StepFunctions::StateMachine');
    const roleId = logicalIdOf('AWS::IAM::Role', 'PullSchedulerRole');
    const expected = { gh_issues: 'rate(15 minutes)', hubspot: 'cron(0 * * * ? *)', open_data: 'rate(1 hour)' };
    for (const [source, expression] of Object.entries(expected)) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { Ref: machineId },
          RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Input: JSON.stringify({ source, scheduledTime: '<aws.scheduler.scheduled-time>' }),
          RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 300 },
        },
      });
    }
  });

  it('lets Scheduler, in this account only, do nothing but start executions of the state machine', () => {
    const roleId = logicalIdOf('AWS::IAM::Role', 'PullSchedulerRole');
    template.hasResource('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
      },
    });
    expect(statementsOfRole(roleId)).toEqual([
      {
        Action: 'states:StartExecution',
        Effect: 'Allow',
        Resource: { Ref: onlyIdOf('AWS::StepFunctions::StateMachine') },
      },
    ]);
  });
});

describe('a source whose stream the tenant does not have', () => {
  it('stops synthesis naming the source and the stream', async () => {
    // A config built past defineTenant (which refuses it) still cannot synthesize.
    const loaded = await loadTenant(fixture);
    const { sources } = loaded.config;
    const broken = {
      ...loaded,
      config: { ...loaded.config, sources: { ...sources, gh_issues: { ...sources.gh_issues, stream: 'tickets' } } },
    } as typeof loaded;
    expect(() => createTenantApp(broken, { nag: false })).toThrow(
      /source "gh_issues": stream "tickets" is not a stream of tenant fixture-pull/,
    );
  });
});
