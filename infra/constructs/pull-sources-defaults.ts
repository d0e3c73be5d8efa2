/** Pure defaults of the pull side on AWS: names, limits, the state table's actions and the retry policies. */
import { Duration } from 'aws-cdk-lib';
import type { SourceConfig } from '#shared/config/source-config';

/** Lambda's own ceiling: a slice ends before it, saving its progress, and the state machine starts the next. */
export const PULL_FUNCTION_TIMEOUT = Duration.minutes(15);

/**
 * What the pull function does to its state table: read one source's row and write it
 * conditionally (lease, progress, finished run). No Scan or Query: on AWS a run only ever
 * touches its own source; listing every source is the CLI's, with the caller's rights.
 */
export const PULL_STATE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/**
 * Errors of the Lambda service itself (not of the function), worth retrying: the slice
 * never ran, or ran and will resume from its last committed page.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/** Backoff of the retries of {@link LAMBDA_SERVICE_ERRORS}. */
export const LAMBDA_RETRY = { interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2 } as const;

/**
 * Scheduler's retry policy. No dead-letter queue: a start that still fails after these is
 * a missed tick, and the next tick continues from the state in DynamoDB, so nothing is
 * lost; Scheduler's `InvocationDroppedCount` metric shows it. Past five minutes a retry
 * would only race the next tick of a frequent schedule.
 */
export const SCHEDULE_RETRY = { retryAttempts: 5, maxEventAge: Duration.minutes(5) } as const;

/** The error name of a run that ended `failed`, as the state machine's Fail state reports it. */
export const PULL_RUN_FAILED_ERROR = 'PullRunFailed';

/** Step Functions' error when an execution of that name exists (a duplicate start). */
export const EXECUTION_EXISTS_ERROR = 'StepFunctions.ExecutionAlreadyExistsException';

/** Name of a tenant's pull state machine (fixed, so the machine may start its own runs without a cycle). */
export function pullStateMachineName(tenant: string): string {
  return `sluice-${tenant}-pull`;
}

/** Its log group: under /aws/vendedlogs/, so it needs no room in the account's CloudWatch Logs resource policy. */
export function pullLogGroupName(tenant: string): string {
  return `/aws/vendedlogs/states/${pullStateMachineName(tenant)}`;
}

/**
 * A backstop on an execution's length: the longest source budget plus two slices. A run
 * ends on its own as `partial` at its budget; this only ends one that cannot.
 */
export function pullExecutionTimeout(sources: readonly Pick<SourceConfig, 'maxRunMinutes'>[]): Duration {
  const longest = Math.max(0, ...sources.map((source) => source.maxRunMinutes));
  return Duration.minutes(longest + 2 * PULL_FUNCTION_TIMEOUT.toMinutes());
}
