/**
 * The alarms of a tenant stack, written once: what each watches, its threshold with the
 * reason for it, and what to do when it fires. infra/constructs/tenant-monitoring.ts builds
 * the alarms from these numbers and puts the reason in each alarm's description;
 * docs/operations.md prints the same rows (`npm run docs`), so the page cannot drift.
 */

import { DEFAULT_DEAD_LETTER_ALARM_RECORDS } from '../config/alarm-config.ts';
import { BUCKET_PREFIXES } from '../contract/storage-layout.ts';

/** How the metric is compared with the threshold: CloudWatch's three comparisons that Sluice uses. */
export type AlarmComparison = 'above' | 'at least' | 'below';

/** One alarm kind (some are made once per stream, source or function). */
export interface AlarmSpec {
  /** Alarm name suffix and the docs' first column. */
  readonly name: string;
  /** One of these per what. */
  readonly per: 'tenant' | 'stream' | 'source' | 'function';
  readonly metric: string;
  readonly comparison: AlarmComparison;
  /** The number the metric is compared with (for a threshold the config sets, its default). */
  readonly threshold: number;
  /** How the threshold reads where it is not a fixed number (it depends on the config). */
  readonly thresholdText?: string;
  /** Appended to the number in the docs, such as `%`. */
  readonly unit?: string;
  /** Five-minute periods looked at, and how many of them must breach (all when absent). */
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  /** How the window reads where it is not a number of five-minute periods (it depends on the config). */
  readonly windowText?: string;
  /** Said after the window, such as the least number of requests counted. */
  readonly condition?: string;
  /** Whether a period without data breaches: only when silence is the failure watched for. */
  readonly missingData: 'breaching' | 'not breaching';
  /** Why this threshold: the alarm's description on AWS. */
  readonly reason: string;
  /** What to do when it fires. */
  readonly runbook: string;
}

/** Five minutes: the period of every alarm but the staleness one. */
export const ALARM_PERIOD_SECONDS = 300;
/** The 5xx alarm fires above this share of requests... */
export const SERVER_ERROR_RATE_PERCENT = 1;
/** ...once at least this many requests came in the period. */
export const SERVER_ERROR_MIN_REQUESTS = 20;
/** DataFreshness never alarms below this, whatever the buffering (a 0-second buffer still takes a moment). */
export const MIN_FRESHNESS_THRESHOLD_SECONDS = 120;

/** The freshness threshold of a delivery stream: twice its buffering interval, at least the floor. */
export function freshnessThresholdSeconds(bufferingSeconds: number): number {
  return Math.max(2 * bufferingSeconds, MIN_FRESHNESS_THRESHOLD_SECONDS);
}

/** Every alarm, in the order the docs list them. */
export const ALARM_SPECS = {
  serverErrors: {
    name: 'ServerErrorRate',
    per: 'tenant',
    metric: 'API Gateway `5xx` ÷ `Count` of the tenant API (gateway and function answers)',
    comparison: 'above',
    threshold: SERVER_ERROR_RATE_PERCENT,
    unit: '%',
    evaluationPeriods: 1,
    condition: `counted only once ${SERVER_ERROR_MIN_REQUESTS} requests came`,
    missingData: 'not breaching',
    reason:
      'A 5xx means the sender must retry: Sluice answers every bad input with a 4xx, so any steady share of 5xx is Sluice or AWS failing. ' +
      `Below ${SERVER_ERROR_MIN_REQUESTS} requests one failed retry would already be ${100 / SERVER_ERROR_MIN_REQUESTS}% and page someone for noise.`,
    runbook:
      'Dashboard "Requests and statuses": which stream? Then the ingest function log (`status` ≥ 500): 503/504 point at Firehose or Kinesis (see the throttle and freshness alarms); 500 at the function (its Errors) or Lambda concurrency (its Throttles).',
  },
  functionErrors: {
    name: 'FunctionErrors',
    per: 'function',
    metric: 'Lambda `Errors` of the ingest and the pull function',
    comparison: 'at least',
    threshold: 1,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'The handlers answer every contract error themselves, so a Lambda error is a crash, a timeout or a failed cold start: there is no normal rate of them.',
    runbook:
      "Open the function's log group at the alarm time: an init error after a deploy (missing delivery target, bad config) means roll back; a timeout means delivery hung past its deadline.",
  },
  functionThrottles: {
    name: 'FunctionThrottles',
    per: 'function',
    metric: 'Lambda `Throttles` of the ingest and the pull function',
    comparison: 'at least',
    threshold: 1,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'A throttled ingest invocation reaches the client as a 500 from the gateway: the Region ran out of Lambda concurrency, or an opt-in `reservedConcurrency` was reached before the route throttles.',
    runbook:
      'Compare the Lambda concurrency on the dashboard with `reservedConcurrency` in the tenant file (if set) and the Region quota; raise them, remove the reservation, or lower the route `throttle` (docs/capacity.md).',
  },
  dataFreshness: {
    name: 'DataFreshness',
    per: 'stream',
    metric: 'Firehose `DeliveryToS3.DataFreshness` (Maximum) of each delivery stream',
    comparison: 'above',
    threshold: MIN_FRESHNESS_THRESHOLD_SECONDS,
    thresholdText: `twice the stream's \`buffering.seconds\` (at least ${MIN_FRESHNESS_THRESHOLD_SECONDS} s)`,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'A healthy stream writes its buffer at least every buffering interval; records older than two intervals mean Firehose cannot write to S3 (bucket policy, KMS key, S3 errors) and is holding them.',
    runbook: `Read the \`DeliveryErrors\` log group and the \`${BUCKET_PREFIXES.errors}<stream>/\` prefix of the bucket; fix the key or bucket permission. Firehose retries for 24 hours, then writes the records under \`${BUCKET_PREFIXES.errors}\`.`,
  },
  deliverySuccess: {
    name: 'DeliverySuccess',
    per: 'stream',
    metric: 'Firehose `DeliveryToS3.Success` (Average) of each delivery stream',
    comparison: 'below',
    threshold: 1,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason: 'Every S3 put of a healthy stream succeeds: any average below 1 is a failed write.',
    runbook: 'As for DataFreshness: the `DeliveryErrors` log group names the S3 or KMS error.',
  },
  throttledRecords: {
    name: 'ThrottledRecords',
    per: 'stream',
    metric:
      'Firehose `ThrottledRecords` (Direct PUT streams) or Kinesis `WriteProvisionedThroughputExceeded` (Kinesis streams)',
    comparison: 'at least',
    threshold: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    missingData: 'not breaching',
    reason:
      'Sluice retries throttled records and answers 429 only when retries run out, so one throttled burst is absorbed; throttling in two of three periods is a sustained rate over the quota.',
    runbook:
      'Ask for a higher Firehose Direct PUT quota for the Region, or move the stream to `delivery: "kinesis"` (docs/capacity.md).',
  },
  deadLetters: {
    name: 'DeadLetters',
    per: 'stream',
    metric: 'Sluice `RecordsDeadLettered` (Sum) of each stream with `deadLetter`',
    comparison: 'above',
    threshold: DEFAULT_DEAD_LETTER_ALARM_RECORDS,
    thresholdText: `\`alarms.deadLetterRecordsPerFiveMinutes\` (default ${DEFAULT_DEAD_LETTER_ALARM_RECORDS})`,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'A few bad records are the sender’s to fix and each got its 400; more than the configured rate means a sender (often a new release) sends bad data at scale.',
    runbook:
      'Query `dead_letters` (`sluice query` or Athena) for the reasons and the sender; tell its owner. `sluice dlq` replays the records once fixed.',
  },
  pullFailed: {
    name: 'PullRunFailed',
    per: 'source',
    metric: 'Sluice `PullRuns` with `outcome=failed` (Sum) of each source',
    comparison: 'at least',
    threshold: 1,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'A failed run delivered nothing past its failing page (credentials refused, a page that kept failing, a bad page); the next run retries, but the reason is in the log now.',
    runbook:
      "The pull function's log (`pull run of source … failed: <reason>`) or `sluice pull --status`: refresh a refused secret, or check the API's status page.",
  },
  pullStale: {
    name: 'PullNotSucceeded',
    per: 'source',
    metric: 'Sluice `PullRuns` with `outcome=succeeded` (Sum) of each source; no data counts as none',
    comparison: 'below',
    threshold: 1,
    evaluationPeriods: 1,
    windowText: 'within twice the source’s schedule interval (at most 7 days)',
    // No succeeded run reports nothing at all: silence is the failure this alarm is for.
    missingData: 'breaching',
    reason:
      'One missed or failed run can happen (an API down for an hour); two intervals without a success means the data is falling behind, whatever the cause: failures, partial runs, or no run at all.',
    runbook:
      'Check the PullRunFailed alarm and the state machine executions; a source with no executions at all points at its EventBridge schedule.',
  },
  executionsFailed: {
    name: 'PullExecutionsFailed',
    per: 'tenant',
    metric: 'Step Functions `ExecutionsFailed` of the pull state machine',
    comparison: 'at least',
    threshold: 1,
    evaluationPeriods: 1,
    missingData: 'not breaching',
    reason:
      'An execution fails when a run ends `failed` or a slice threw (a lost lease, an error outside the runner): nothing is retried before the next schedule.',
    runbook:
      'Open the failed execution in the Step Functions console: the `Run failed` cause is the run’s reason; a task failure shows the function’s error.',
  },
} as const satisfies Readonly<Record<string, AlarmSpec>>;

/** How often each alarm looks: every alarm's period but the staleness one, in words. */
function windowWords(spec: AlarmSpec): string {
  if (spec.windowText) return spec.windowText;
  const breaching = spec.datapointsToAlarm ?? spec.evaluationPeriods;
  if (spec.evaluationPeriods === 1) return `in ${ALARM_PERIOD_SECONDS / 60} minutes`;
  return `in ${breaching} of the last ${spec.evaluationPeriods} five-minute periods`;
}

/** The alarm's condition in words, as the docs' threshold column and the alarm's description say it. */
export function alarmCondition(spec: AlarmSpec): string {
  const threshold = spec.thresholdText ?? `${spec.threshold}${spec.unit ?? ''}`;
  const condition = spec.condition ? `, ${spec.condition}` : '';
  return `${spec.comparison} ${threshold} ${windowWords(spec)}${condition}`;
}
