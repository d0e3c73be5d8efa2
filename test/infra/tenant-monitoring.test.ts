import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { ALARM_SPECS } from '#shared/observability/operations-alarms';
import { type SynthesizedTenant, synthTenant } from './synth-tenant.ts';

type AlarmProperties = {
  AlarmName: string;
  AlarmDescription: string;
  AlarmActions: unknown[];
  Namespace?: string;
  MetricName?: string;
  Statistic?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Threshold: number;
  ComparisonOperator: string;
  Period?: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData: string;
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[];
};

const fixture = fileURLToPath(new URL('./fixtures/monitoring-tenant.ts', import.meta.url));
let synth: SynthesizedTenant;
let template: Template;
let topicId: string;

beforeAll(async () => {
  synth = await synthTenant(fixture);
  template = synth.template;
  topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0] as string;
  // Bundling four functions takes a minute on a busy machine.
}, 240_000);

const alarms = (): AlarmProperties[] =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (resource) => (resource as { Properties: AlarmProperties }).Properties,
  );

const alarmNamed = (name: string): AlarmProperties => {
  const found = alarms().filter((alarm) => alarm.AlarmName === `Sluice-fixture-ops-${name}`);
  expect(found, name).toHaveLength(1);
  return found[0] as AlarmProperties;
};

const dimensionsOf = (alarm: AlarmProperties) =>
  Object.fromEntries((alarm.Dimensions ?? []).map((dimension) => [dimension.Name, dimension.Value]));

const refTo = (prefix: string) => ({ Ref: expect.stringMatching(new RegExp(`^${prefix}`)) });

describe('the alarm topic', () => {
  it('is encrypted with a rotated KMS key that CloudWatch may use, and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringAlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("lets only this account's alarms of this tenant publish to the topic and use its key", () => {
    const fromTheTenantsAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':alarm:Sluice-fixture-ops-\\*$')])],
        },
      },
    };
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: fromTheTenantsAlarms,
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: fromTheTenantsAlarms }),
        ]),
      },
    });
    // The pattern covers every alarm the stack creates.
    for (const alarm of alarms()) expect(alarm.AlarmName).toMatch(/^Sluice-fixture-ops-/);
  });

  it('mails the address of the tenant config and is a stack output', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasOutput(STACK_OUTPUTS.alarmTopic, { Value: { Ref: topicId } });
  });
});

describe('the alarms', () => {
  it('all notify the topic and say why their threshold is what it is', () => {
    expect(alarms().length).toBeGreaterThan(20);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.AlarmDescription, alarm.AlarmName).toContain('Why: ');
      expect(alarm.AlarmDescription.length, alarm.AlarmName).toBeLessThanOrEqual(1024);
    }
    expect(alarmNamed('DataFreshness-orders').AlarmDescription).toContain(ALARM_SPECS.dataFreshness.reason);
  });

  it('fire above 1% of 5xx among at least 20 requests of the API', () => {
    const alarm = alarmNamed('ServerErrorRate');
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
    const expression = alarm.Metrics?.find((metric) => metric.Expression !== undefined)?.Expression;
    expect(expression).toBe('IF(requests >= 20, 100 * errors / requests, 0)');
    const named = (id: string) => alarm.Metrics?.find((metric) => metric.Id === id)?.MetricStat?.Metric;
    expect(named('errors')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    expect(named('requests')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' });
  });

  it('fire on any error or throttle of the ingest and the pull function', () => {
    for (const [name, metric, fn] of [
      ['FunctionErrors-Ingest', 'Errors', '^Ingest'],
      ['FunctionThrottles-Ingest', 'Throttles', '^Ingest'],
      ['FunctionErrors-Pull', 'Errors', '^PullFunction'],
      ['FunctionThrottles-Pull', 'Throttles', '^PullFunction'],
    ] as const) {
      const alarm = alarmNamed(name);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 300,
      });
      expect(dimensionsOf(alarm).FunctionName).toEqual({ Ref: expect.stringMatching(new RegExp(fn)) });
    }
  });

  it('fire when a delivery stream holds records longer than twice its buffering interval, at least 120 s', () => {
    const orders = alarmNamed('DataFreshness-orders');
    expect(orders).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Statistic: 'Maximum',
      Threshold: 600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(dimensionsOf(orders).DeliveryStreamName).toEqual(refTo('StreamordersFirehose'));
    expect(alarmNamed('DataFreshness-orders-DeadLetter').Threshold).toBe(600);
    expect(alarmNamed('DataFreshness-clicks').Threshold).toBe(120);
    expect(dimensionsOf(alarmNamed('DataFreshness-profiles-JsonProjection')).DeliveryStreamName).toEqual(
      refTo('JsonProjectionprofilesFirehose'),
    );
  });

  it('fire when a delivery stream delivered to S3 with less than full success', () => {
    for (const name of ['orders', 'orders-DeadLetter', 'clicks', 'profiles', 'profiles-JsonProjection']) {
      expect(alarmNamed(`DeliverySuccess-${name}`)).toMatchObject({
        Namespace: 'AWS/Firehose',
        MetricName: 'DeliveryToS3.Success',
        Statistic: 'Average',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      });
    }
  });

  it('fire on throttled records in 2 of 3 periods: Firehose for Direct PUT, Kinesis for a Kinesis stream', () => {
    const direct = alarmNamed('ThrottledRecords-orders');
    expect(direct).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'ThrottledRecords',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    const kinesis = alarmNamed('ThrottledRecords-clicks');
    expect(kinesis).toMatchObject({
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(dimensionsOf(kinesis).StreamName).toEqual(refTo('StreamclicksSource'));
  });

  it('fire above the configured dead-letter rate, only for streams with dead letters', () => {
    const alarm = alarmNamed('DeadLetters-orders');
    expect(alarm).toMatchObject({
      Namespace: 'Sluice',
      MetricName: 'RecordsDeadLettered',
      Statistic: 'Sum',
      Threshold: 25,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 300,
    });
    expect(dimensionsOf(alarm)).toEqual({ tenant: 'fixture-ops', stream: 'orders' });
    expect(alarms().filter((candidate) => candidate.MetricName === 'RecordsDeadLettered')).toHaveLength(1);
  });

  it('fire on a failed pull run of each source', () => {
    const alarm = alarmNamed('PullRunFailed-often');
    expect(alarm).toMatchObject({
      Namespace: 'Sluice',
      MetricName: 'PullRuns',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(dimensionsOf(alarm)).toEqual({ tenant: 'fixture-ops', source: 'often', outcome: 'failed' });
  });

  it('fire when a source has not succeeded within twice its schedule, silence counting as failure', () => {
    const often = alarmNamed('PullNotSucceeded-often');
    expect(often).toMatchObject({
      MetricName: 'PullRuns',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      Period: 1_800,
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
    });
    expect(dimensionsOf(often)).toEqual({ tenant: 'fixture-ops', source: 'often', outcome: 'succeeded' });
    expect(alarmNamed('PullNotSucceeded-nightly')).toMatchObject({
      Period: 3_600,
      EvaluationPeriods: 48,
      DatapointsToAlarm: 48,
    });
    expect(alarmNamed('PullNotSucceeded-weekly')).toMatchObject({
      Period: 3_600,
      EvaluationPeriods: 168,
      DatapointsToAlarm: 168,
    });
  });

  it('fire on a failed execution of the pull state machine', () => {
    const alarm = alarmNamed('PullExecutionsFailed');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(dimensionsOf(alarm).StateMachineArn).toEqual(refTo('PullStateMachine'));
  });
});

describe('the dashboard', () => {
  const body = (): string => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown };
    }[];
    return JSON.stringify(dashboard?.Properties.DashboardBody);
  };

  it('has the widgets an operator reads, by title', () => {
    for (const title of [
      'Requests and statuses',
      'Requests per stream and status class',
      'Dry runs per stream and status class',
      'Records accepted and rejected per stream',
      'Firehose DeliveryToS3.DataFreshness (seconds, max)',
      'Firehose DeliveryToS3.Success (average)',
      'Throttles',
      'Ingest function duration and errors',
      'Pull runs by outcome',
      'Pull records and pages',
      'Alarms',
    ]) {
      expect(body()).toContain(`\\"title\\":\\"${title}\\"`);
    }
  });

  it('graphs the Sluice metrics per stream and source, and the AWS metrics they sit beside', () => {
    const text = body();
    for (const fragment of [
      '\\"Sluice\\",\\"RecordsAccepted\\",\\"stream\\",\\"orders\\",\\"tenant\\",\\"fixture-ops\\"',
      '\\"Sluice\\",\\"RecordsRejected\\",\\"stream\\",\\"clicks\\"',
      '\\"Sluice\\",\\"DryRuns\\",\\"status_class\\",\\"4xx\\",\\"stream\\",\\"orders\\"',
      '\\"Sluice\\",\\"PullRuns\\",\\"outcome\\",\\"failed\\",\\"source\\",\\"weekly\\"',
      '\\"AWS/Firehose\\",\\"DeliveryToS3.DataFreshness\\"',
      '\\"AWS/Kinesis\\",\\"WriteProvisionedThroughputExceeded\\"',
      '\\"AWS/Lambda\\",\\"Duration\\"',
      '\\"AWS/States\\",\\"ExecutionsFailed\\"',
    ]) {
      expect(text).toContain(fragment);
    }
    template.hasOutput(STACK_OUTPUTS.dashboard, { Value: { Ref: Match.stringLikeRegexp('^MonitoringDashboard') } });
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the monitored stack', () => {
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
