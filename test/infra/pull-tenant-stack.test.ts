import { fileURLToPath, pathToFileURL } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EXECUTION_EXISTS_ERRORS,
  LAMBDA_SERVICE_ERRORS,
  PULL_RUN_FAILED_ERROR,
  PULL_START_REFUSED_ERROR,
  START_RUN_ID,
  VALID_START_CONDITION,
  WAIT_CONDITION,
} from '#infra/constructs/pull-sources-defaults';
import { createTenantApp } from '#infra/tenant-app';
import { loadTenant } from '#shared/config/tenant-loader';
import { ENV } from '#shared/contract/environment';
import { runIdFor } from '#shared/pull/run-id';
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
    expect(sources.some((source) => source.endsWith('functions/shared/kinesis-route.ts'))).toBe(true);
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
        bundle.handler?.({ source: 'nope', scheduledTime: '2026-03-01T12:15:00Z', runId: 'nope-1' }, context),
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
      Choices: [
        { Condition: '{% $exists($states.input.runId) %}', Next: 'Pull slice' },
        { Condition: `{% ${VALID_START_CONDITION} %}`, Next: 'Start run' },
      ],
      Default: 'Start refused',
    });
    expect(stateOf('Start run')).toMatchObject({
      Type: 'Task',
      Resource: 'arn:TOKEN:states:::states:startExecution',
      Arguments: {
        StateMachineArn: 'arn:TOKEN:states:TOKEN:TOKEN:stateMachine:sluice-fixture-pull-pull',
        Name: `{% ${START_RUN_ID} %}`,
        Input: { source: '{% $states.input.source %}', runId: `{% ${START_RUN_ID} %}` },
      },
      Next: 'Run started',
    });
  });

  it('refuses a duplicate start of the same source and scheduled time without failing', () => {
    expect(stateOf('Start run').Catch).toEqual([
      expect.objectContaining({ ErrorEquals: [...EXECUTION_EXISTS_ERRORS], Next: 'Duplicate start refused' }),
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
        { Condition: `{% ${WAIT_CONDITION} %}`, Next: 'Wait as the API asked' },
        { Condition: '{% $states.input.done = false %}', Next: 'Pull slice' },
        { Condition: "{% $states.input.done = true and $states.input.skipped = 'busy' %}", Next: 'Skipped: busy' },
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
    // In either order: the order follows how CDK walks the state graph.
    expect(statements).toHaveLength(2);
    expect(statements).toEqual(
      expect.arrayContaining([
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
      ]),
    );
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

/** A state's `{% … %}` text as a jsonata expression, evaluated with `$states` bound as Step Functions binds it. */
async function evaluate(text: unknown, states: Record<string, unknown>): Promise<unknown> {
  const match = /^\{%(.*)%\}$/s.exec(String(text));
  expect(match, String(text)).not.toBeNull();
  return jsonata(match?.[1] ?? '').evaluate({}, { states });
}

/** Where a Choice state goes for `input`: the first condition that holds, else its default. */
async function choose(name: string, input: unknown): Promise<string> {
  const state = stateOf(name) as State & { Choices: { Condition: string; Next: string }[]; Default: string };
  for (const choice of state.Choices) {
    if ((await evaluate(choice.Condition, { input })) === true) return choice.Next;
  }
  return state.Default;
}

describe("the pull state machine's JSONata, evaluated with jsonata 2.0", () => {
  const context = { Execution: { StartTime: '2025-01-01T10:15:07.123Z' } };
  const startArguments = async (input: Record<string, unknown>) => {
    const args = stateOf('Start run').Arguments as { Name: string; Input: Record<string, string> };
    return {
      name: await evaluate(args.Name, { input, context }),
      scheduledTime: await evaluate(args.Input.scheduledTime, { input, context }),
      runId: await evaluate(args.Input.runId, { input, context }),
    };
  };
  const sliceOutput = (input: unknown, payload: unknown) =>
    evaluate(stateOf('Pull slice').Output, { input, result: { Payload: payload } });
  const running = { source: 'gh', scheduledTime: '2025-01-01T10:15:00.000Z', runId: 'gh-2025-01-01T101500Z' };

  it('names a scheduled run exactly as local mode does (shared/pull/run-id.ts) for the same time', async () => {
    const scheduled = { source: 'gh', scheduledTime: '2025-01-01T10:15:00Z' };
    expect(await choose('Run named?', scheduled)).toBe('Start run');
    const started = await startArguments(scheduled);
    expect(started.name).toBe(runIdFor('gh', new Date('2025-01-01T10:15:00Z')));
    expect(started).toEqual({
      name: 'gh-2025-01-01T101500Z',
      runId: 'gh-2025-01-01T101500Z',
      scheduledTime: '2025-01-01T10:15:00.000Z',
    });
  });

  it('names a manual start with an offset or fractions the same run as the scheduled one', async () => {
    for (const scheduledTime of [
      '2025-01-01T11:15:00+01:00',
      '2025-01-01T10:15:00.999Z',
      '2025-01-01T05:15:00-05:00',
    ]) {
      const input = { source: 'gh', scheduledTime };
      expect(await choose('Run named?', input), scheduledTime).toBe('Start run');
      expect((await startArguments(input)).name, scheduledTime).toBe('gh-2025-01-01T101500Z');
    }
  });

  it('names a manual start without scheduledTime from the execution start time', async () => {
    const input = { source: 'gh' };
    expect(await choose('Run named?', input)).toBe('Start run');
    expect(await startArguments(input)).toEqual({
      name: runIdFor('gh', new Date(context.Execution.StartTime)),
      runId: 'gh-2025-01-01T101507Z',
      scheduledTime: '2025-01-01T10:15:07.123Z',
    });
  });

  it('refuses a start without a source or with a time it cannot read, with a failure that says why', async () => {
    for (const input of [
      {},
      { source: '' },
      { source: 7, scheduledTime: '2025-01-01T10:15:00Z' },
      { source: 'gh', scheduledTime: 'tomorrow' },
      { source: 'gh', scheduledTime: '2025-01-01T10:15:00' },
      { source: 'gh', scheduledTime: 1735726500 },
    ]) {
      expect(await choose('Run named?', input), JSON.stringify(input)).toBe('Start refused');
    }
    expect(stateOf('Start refused')).toMatchObject({
      Type: 'Fail',
      Error: PULL_START_REFUSED_ERROR,
      Cause: expect.stringContaining('scheduledTime'),
    });
  });

  it('fails a run whose slice answered null or a string, naming that, instead of breaking $merge', async () => {
    for (const payload of [null, 'Task timed out', 42, [1]]) {
      const output = await sliceOutput(running, payload);
      expect(output, JSON.stringify(payload)).toMatchObject({ ...running, done: null });
      expect(await choose('Run done?', output)).toBe('Run failed');
      expect(await evaluate(stateOf('Run failed').Cause, { input: output })).toBe(
        'the pull function answered without a summary',
      );
    }
  });

  it('waits in a Wait state for resumeAt, loops at once without it, and ends a busy tick as skipped', async () => {
    const wait = await sliceOutput(running, {
      done: false,
      runId: running.runId,
      resumeAt: '2025-01-01T11:00:00.000Z',
    });
    expect(await choose('Run done?', wait)).toBe('Wait as the API asked');
    expect(stateOf('Wait as the API asked')).toMatchObject({
      Type: 'Wait',
      Timestamp: '{% $states.input.resumeAt %}',
      Next: 'Pull slice',
    });
    expect(await evaluate(stateOf('Wait as the API asked').Timestamp, { input: wait })).toBe(
      '2025-01-01T11:00:00.000Z',
    );
    // The next slice's output drops the earlier resumeAt: it does not wait twice.
    const next = await sliceOutput(wait, { done: false, runId: running.runId });
    expect(next).not.toHaveProperty('resumeAt');
    expect(await choose('Run done?', next)).toBe('Pull slice');
    const busy = await sliceOutput(running, { done: true, runId: running.runId, skipped: 'busy', reason: 'held' });
    expect(await choose('Run done?', busy)).toBe('Skipped: busy');
    expect(stateOf('Skipped: busy').Type).toBe('Succeed');
  });

  it('ends a partial run as succeeded and a failed run as failed with its reason', async () => {
    const partial = await sliceOutput(running, { done: true, summary: { status: 'partial', reason: 'time budget' } });
    expect(await choose('Run done?', partial)).toBe('Run ended');
    const failed = await sliceOutput(running, { done: true, summary: { status: 'failed', reason: 'http error' } });
    expect(await choose('Run done?', failed)).toBe('Run failed');
    expect(await evaluate(stateOf('Run failed').Cause, { input: failed })).toBe('http error');
  });
});

describe('schedules of sources that only a laptop can reach', () => {
  it("creates the local sample API source's schedule disabled and the others enabled", () => {
    const states = Object.entries(resourcesOf('AWS::Scheduler::Schedule')).map(([id, schedule]) => [
      id.replaceAll(/[^a-z]/gi, '').toLowerCase(),
      (schedule.Properties as { State?: string } | undefined)?.State ?? 'ENABLED',
    ]);
    expect(states).toHaveLength(3);
    for (const [id, state] of states) expect(state, id).toBe(id?.includes('opendata') ? 'DISABLED' : 'ENABLED');
  });
});
