/**
 * What an operator watches of one tenant: a CloudWatch dashboard and the alarms of
 * shared/observability/operations-alarms.ts, every alarm notifying one KMS-encrypted SNS topic (with an
 * optional email subscription from the tenant config). The Sluice metrics are those of
 * shared/ports/metrics.ts, which the functions write as EMF; the rest are AWS's own.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { tenantStackName } from '#shared/contract/stack-outputs';
import {
  ALARM_PERIOD_SECONDS,
  ALARM_SPECS,
  type AlarmComparison,
  type AlarmSpec,
  alarmCondition,
  freshnessThresholdSeconds,
  SERVER_ERROR_MIN_REQUESTS,
} from '#shared/observability/operations-alarms';
import { type CounterName, DIMENSION, type METRICS, METRICS_NAMESPACE, STATUS_CLASSES } from '#shared/ports/metrics';
import { RUN_STATUSES } from '#shared/pull/pull-run';
import type { StreamDelivery } from './delivery/delivery-stream.ts';
import { inGroupsOf, MAX_ALARMS_PER_STATUS_WIDGET, noSuccessWindow } from './tenant-monitoring-defaults.ts';

/** CloudWatch's operator for each comparison an alarm spec names. */
const COMPARISON_OPERATORS: Readonly<Record<AlarmComparison, cloudwatch.ComparisonOperator>> = {
  above: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  'at least': cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  below: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
};

/** One stream and its delivery streams. */
export interface MonitoredStream {
  readonly stream: StreamConfig;
  readonly records: StreamDelivery;
  readonly deadLetter?: StreamDelivery | undefined;
  readonly jsonProjection?: StreamDelivery | undefined;
}

/** Props of {@link TenantMonitoring}. */
export interface TenantMonitoringProps {
  readonly tenant: TenantConfig;
  readonly api: apigw.HttpApi;
  readonly ingestFunction: lambda.IFunction;
  readonly streams: readonly MonitoredStream[];
  /** The pull side, when the tenant has sources. */
  readonly pull?: { readonly pullFunction: lambda.IFunction; readonly stateMachine: sfn.IStateMachine } | undefined;
}

const PERIOD = Duration.seconds(ALARM_PERIOD_SECONDS);

/** ARN pattern of every alarm of the tenant: alarm names start with the stack name. */
function tenantAlarmArns(scope: Construct, tenant: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${tenantStackName(tenant)}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The dashboard, the alarms and their topic of one tenant. */
export class TenantMonitoring extends Construct {
  /** Every alarm notifies this topic. */
  public readonly topic: sns.Topic;
  /** The key the topic's messages are encrypted with. */
  public readonly topicKey: kms.Key;
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by its name. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly tenant: string;
  private readonly made: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: TenantMonitoringProps) {
    super(scope, id);
    this.tenant = props.tenant.tenant;

    this.topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `Sluice ${this.tenant}: encrypts the alarm topic`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarms to the encrypted topic, so it must use the key and be allowed
    // to publish: a topic policy replaces SNS's default one, so without the allow below only
    // the TLS deny would remain and no alarm would ever arrive. Both are limited to this
    // account's alarms of this tenant (the confused-deputy conditions AWS documents).
    const fromTheTenantsAlarms = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: { 'aws:SourceArn': tenantAlarmArns(this, this.tenant) },
    };
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptForTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromTheTenantsAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Sluice ${this.tenant} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromTheTenantsAlarms,
      }),
    );
    const email = props.tenant.alarms.email;
    if (email !== undefined) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.tenantAlarms(props);
    for (const monitored of props.streams) this.streamAlarms(monitored, props.tenant);
    for (const source of Object.values(props.tenant.sources)) this.sourceAlarms(source);
    this.alarms = this.made;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: tenantStackName(this.tenant),
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...this.widgets(props));
  }

  private sluiceMetric(
    name: keyof typeof METRICS,
    dimensions: Record<string, string>,
    statistic = 'Sum',
    period: Duration = PERIOD,
  ) {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { [DIMENSION.tenant]: this.tenant, ...dimensions },
      statistic,
      period,
    });
  }

  private perStream(name: CounterName, stream: string) {
    return this.sluiceMetric(name, { [DIMENSION.stream]: stream });
  }

  private firehoseMetric(metricName: string, delivery: StreamDelivery, statistic: string) {
    return new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: delivery.deliveryStreamName },
      statistic,
      period: PERIOD,
    });
  }

  /** Kinesis write throttles of a Kinesis stream, else Firehose's ThrottledRecords. */
  private throttleMetric(records: StreamDelivery) {
    return records.source
      ? records.source.metricWriteProvisionedThroughputExceeded({ period: PERIOD, statistic: 'Sum' })
      : this.firehoseMetric('ThrottledRecords', records, 'Sum');
  }

  /**
   * One alarm of `spec`: its comparison, periods and missing-data rule come from the spec (as the
   * runbook prints them); `props` gives the metric and, where the config sets them, the
   * threshold and the number of periods.
   */
  private alarm(
    spec: AlarmSpec,
    what: string | undefined,
    props: Pick<cloudwatch.AlarmProps, 'metric'> &
      Partial<Pick<cloudwatch.AlarmProps, 'threshold' | 'evaluationPeriods'>>,
  ): cloudwatch.Alarm {
    const name = [tenantStackName(this.tenant), spec.name, what].filter(Boolean).join('-');
    const evaluationPeriods = props.evaluationPeriods ?? spec.evaluationPeriods;
    const alarm = new cloudwatch.Alarm(this, name, {
      alarmName: name,
      alarmDescription: `${alarmCondition(spec)}. Why: ${spec.reason} Runbook: docs/operations.md#${spec.name.toLowerCase()}`,
      metric: props.metric,
      threshold: props.threshold ?? spec.threshold,
      comparisonOperator: COMPARISON_OPERATORS[spec.comparison],
      evaluationPeriods,
      // All periods looked at must breach unless the spec says how many.
      ...(props.evaluationPeriods !== undefined
        ? { datapointsToAlarm: evaluationPeriods }
        : spec.datapointsToAlarm !== undefined && { datapointsToAlarm: spec.datapointsToAlarm }),
      treatMissingData:
        spec.missingData === 'breaching'
          ? cloudwatch.TreatMissingData.BREACHING
          : cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
    this.made[name] = alarm;
    return alarm;
  }

  private tenantAlarms(props: TenantMonitoringProps): void {
    const errors = props.api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    const requests = props.api.metricCount({ period: PERIOD, statistic: 'Sum' });
    this.alarm(ALARM_SPECS.serverErrors, undefined, {
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${SERVER_ERROR_MIN_REQUESTS}, 100 * errors / requests, 0)`,
        usingMetrics: { errors, requests },
        period: PERIOD,
        label: '5xx % of requests',
      }),
    });
    const functions: [string, lambda.IFunction][] = [['Ingest', props.ingestFunction]];
    if (props.pull) functions.push(['Pull', props.pull.pullFunction]);
    for (const [what, fn] of functions) {
      this.alarm(ALARM_SPECS.functionErrors, what, {
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      });
      this.alarm(ALARM_SPECS.functionThrottles, what, {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      });
    }
    if (props.pull) {
      this.alarm(ALARM_SPECS.executionsFailed, undefined, {
        metric: props.pull.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
      });
    }
  }

  private streamAlarms(monitored: MonitoredStream, tenant: TenantConfig): void {
    const { stream } = monitored;
    const channels: [string, StreamDelivery | undefined][] = [
      ['', monitored.records],
      ['DeadLetter', monitored.deadLetter],
      ['JsonProjection', monitored.jsonProjection],
    ];
    for (const [channel, delivery] of channels) {
      if (delivery === undefined) continue;
      const what = [stream.id, channel].filter(Boolean).join('-');
      this.alarm(ALARM_SPECS.dataFreshness, what, {
        metric: this.firehoseMetric('DeliveryToS3.DataFreshness', delivery, 'Maximum'),
        threshold: freshnessThresholdSeconds(stream.buffering.seconds),
      });
      this.alarm(ALARM_SPECS.deliverySuccess, what, {
        metric: this.firehoseMetric('DeliveryToS3.Success', delivery, 'Average'),
      });
    }
    this.alarm(ALARM_SPECS.throttledRecords, stream.id, {
      metric: this.throttleMetric(monitored.records),
    });
    if (stream.deadLetter) {
      this.alarm(ALARM_SPECS.deadLetters, stream.id, {
        metric: this.perStream('RecordsDeadLettered', stream.id),
        threshold: tenant.alarms.deadLetterRecordsPerFiveMinutes,
      });
    }
  }

  private sourceAlarms(source: SourceConfig): void {
    const runs = (outcome: (typeof RUN_STATUSES)[number], period: Duration) =>
      this.sluiceMetric('PullRuns', { [DIMENSION.source]: source.name, [DIMENSION.outcome]: outcome }, 'Sum', period);
    this.alarm(ALARM_SPECS.pullFailed, source.name, {
      metric: runs('failed', PERIOD),
    });
    const window = noSuccessWindow(source.schedule);
    this.alarm(ALARM_SPECS.pullStale, source.name, {
      metric: runs('succeeded', Duration.seconds(window.periodSeconds)),
      evaluationPeriods: window.evaluationPeriods,
    });
  }

  private widgets(props: TenantMonitoringProps): cloudwatch.IWidget[] {
    const streams = props.streams.map((monitored) => monitored.stream.id);
    const deliveries = props.streams.flatMap((monitored) =>
      [monitored.records, monitored.deadLetter, monitored.jsonProjection].filter(
        (delivery): delivery is StreamDelivery => delivery !== undefined,
      ),
    );
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const byStreamAndStatusClass = (name: 'Requests' | 'DryRuns') =>
      streams.flatMap((stream) =>
        STATUS_CLASSES.map((statusClass) =>
          this.sluiceMetric(name, { [DIMENSION.stream]: stream, [DIMENSION.statusClass]: statusClass }),
        ),
      );
    const api = props.api;
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.TextWidget({
        markdown: `# Sluice ${this.tenant}\nWhat each graph and alarm means: docs/operations.md in the Sluice repository.`,
        width: 24,
        height: 2,
      }),
      graph('Requests and statuses', [
        api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
        api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
        api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
      ]),
      graph('Requests per stream and status class', byStreamAndStatusClass('Requests')),
      graph('Dry runs per stream and status class', byStreamAndStatusClass('DryRuns')),
      graph(
        'Records accepted and rejected per stream',
        streams.flatMap((stream) => [
          this.perStream('RecordsAccepted', stream),
          this.perStream('RecordsRejected', stream),
          this.perStream('RecordsDeadLettered', stream),
        ]),
      ),
      graph(
        'Firehose DeliveryToS3.DataFreshness (seconds, max)',
        deliveries.map((delivery) => this.firehoseMetric('DeliveryToS3.DataFreshness', delivery, 'Maximum')),
      ),
      graph(
        'Firehose DeliveryToS3.Success (average)',
        deliveries.map((delivery) => this.firehoseMetric('DeliveryToS3.Success', delivery, 'Average')),
        { leftYAxis: { min: 0, max: 1 } },
      ),
      graph('Throttles', [
        ...props.streams.map((monitored) => this.throttleMetric(monitored.records)),
        ...streams.map((stream) => this.perStream('DeliveryThrottles', stream)),
        props.ingestFunction.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'ingest function throttles' }),
      ]),
      graph(
        'Ingest function duration and errors',
        [
          props.ingestFunction.metricDuration({ period: PERIOD, statistic: 'p50', label: 'duration p50' }),
          props.ingestFunction.metricDuration({ period: PERIOD, statistic: 'p99', label: 'duration p99' }),
          ...streams.map((stream) =>
            this.sluiceMetric('HandlerLatency', { [DIMENSION.stream]: stream }, 'p99').with({
              label: `${stream} handler latency p99`,
            }),
          ),
        ],
        {
          right: [props.ingestFunction.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' })],
        },
      ),
    ];
    const sources = Object.values(props.tenant.sources).map((source) => source.name);
    if (props.pull && sources.length > 0) {
      widgets.push(
        graph(
          'Pull runs by outcome',
          sources.flatMap((source) =>
            RUN_STATUSES.map((outcome) =>
              this.sluiceMetric('PullRuns', { [DIMENSION.source]: source, [DIMENSION.outcome]: outcome }),
            ),
          ),
          {
            right: [
              props.pull.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum', label: 'executions failed' }),
            ],
          },
        ),
        graph(
          'Pull records and pages',
          sources.flatMap((source) => [
            this.sluiceMetric('PullRecords', { [DIMENSION.source]: source }),
            this.sluiceMetric('PullPages', { [DIMENSION.source]: source }),
          ]),
        ),
      );
    }
    // A widget lists at most 100 alarms; a large tenant has more, so it gets several.
    const groups = inGroupsOf(Object.values(this.made), MAX_ALARMS_PER_STATUS_WIDGET);
    groups.forEach((alarms, index) => {
      const title = groups.length === 1 ? 'Alarms' : `Alarms (${index + 1} of ${groups.length})`;
      widgets.push(new cloudwatch.AlarmStatusWidget({ title, alarms, width: 24, height: 6 }));
    });
    return widgets;
  }
}
