/** Pure defaults of the pull side on AWS: names, limits, the state table's actions and the retry policies. */
import { Duration } from 'aws-cdk-lib';
import type { SourceConfig } from '#shared/config/source-config';
import { runIdJsonata, SCHEDULED_TIME_PATTERN } from '#shared/pull/run-id';

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

/**
 * Step Functions' error when an execution of that name exists (a duplicate start), under both
 * names AWS documents: the optimized integration's and the StartExecution API's error code.
 */
export const EXECUTION_EXISTS_ERRORS = [
  'StepFunctions.ExecutionAlreadyExistsException',
  'StepFunctions.ExecutionAlreadyExists',
] as const;

/** The error name of a start the state machine refuses (no source, or a time it cannot read). */
export const PULL_START_REFUSED_ERROR = 'PullStartRefused';

// ---- The state machine's JSONata (evaluated with the jsonata package in test/infra) ----

/** A JSONata regex literal of a JS regex. */
const jsonataRegex = (pattern: RegExp) => `/${pattern.source}/`;

/** A start's scheduled time: Scheduler's, else (a manual start without one) the execution's start time. */
const START_TIME =
  '($exists($states.input.scheduledTime) ? $states.input.scheduledTime : $states.context.Execution.StartTime)';

/** A start the launch path can name: a source, and a scheduled time that is absent or RFC 3339 with a zone. */
export const VALID_START_CONDITION =
  "$type($states.input.source) = 'string' and $length($states.input.source) > 0 and " +
  "($not($exists($states.input.scheduledTime)) or ($type($states.input.scheduledTime) = 'string' and " +
  `$contains($states.input.scheduledTime, ${jsonataRegex(SCHEDULED_TIME_PATTERN)})))`;

/** The run's id from a valid start (shared/pull/run-id.ts). */
export const START_RUN_ID = runIdJsonata('$states.input.source', START_TIME);

/** The start's scheduled time in UTC (`2025-01-01T10:15:00.000Z`), whatever offset it was given in. */
export const START_SCHEDULED_TIME = `$fromMillis($toMillis(${START_TIME}))`;

/**
 * A slice's output: the run's identity plus the function's answer. Anything but an object (null,
 * a string: a function that crashed in an unexpected way) becomes an answer the Choice fails
 * on, instead of a `$merge` error that would fail the execution without saying why.
 */
export const SLICE_OUTPUT =
  "( $identity := { 'source': $states.input.source, 'scheduledTime': $states.input.scheduledTime, 'runId': $states.input.runId };" +
  " $type($states.result.Payload) = 'object' ? $merge([$identity, $states.result.Payload])" +
  " : $merge([$identity, { 'done': null, 'answer': $string($states.result.Payload) }]) )";

/** The slice asked to resume later (a wait the API asked for past the slice's end). */
export const WAIT_CONDITION =
  "$states.input.done = false and $type($states.input.resumeAt) = 'string' and " +
  `$contains($states.input.resumeAt, ${jsonataRegex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)})`;

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

/** Memory of the pull function besides its pages: runtime, SDK clients, one page's framed records in flight. */
export const PULL_BASE_MEMORY_MB = 512;

/**
 * Memory per byte of `maxPageBytes`: the page's text (up to two bytes a character in V8), its
 * parse and its framed lines live together while a page is landed; 6× leaves room to spare.
 */
export const PULL_MEMORY_PER_PAGE_BYTE = 6;

/** The pull function's memory in MB, sized from the largest `maxPageBytes` of the tenant's sources (Lambda: 128 to 10,240). */
export function pullFunctionMemoryMb(sources: readonly Pick<SourceConfig, 'maxPageBytes'>[]): number {
  const largest = Math.max(0, ...sources.map((source) => source.maxPageBytes));
  const mb = PULL_BASE_MEMORY_MB + Math.ceil((largest * PULL_MEMORY_PER_PAGE_BYTE) / (1024 * 1024));
  return Math.min(10_240, Math.ceil(mb / 64) * 64);
}

/**
 * Whether a source's URL can only be reached on the machine that runs it (`localhost`,
 * `*.localhost` such as the local sample API, loopback addresses): deployed, it would fail
 * every tick, so its schedule is created disabled.
 */
export function isLocalOnlySource(source: Pick<SourceConfig, 'request'>): boolean {
  const host = new URL(source.request.url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';
}
