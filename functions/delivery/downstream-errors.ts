/**
 * Classification of Firehose and Kinesis failures into contract errors: throttling → 429,
 * unavailable or failing → 503, the deadline → 504, anything else (a missing stream, denied
 * access, a bad KMS key: configuration faults a retry will not fix) → 500.
 */
import {
  DeadlineExceededError,
  DownstreamThrottledError,
  DownstreamUnavailableError,
  InternalError,
  type SluiceError,
} from '#shared/contract/errors';

/** Seconds a client should wait after a downstream throttle: both services' quotas are per second. */
export const THROTTLE_RETRY_AFTER_SECONDS = 1;

/**
 * Error names (of a whole call) and error codes (of a failed entry) that mean throttling.
 * Firehose reports an exceeded stream quota as `ServiceUnavailableException`.
 */
const THROTTLING = new Set([
  'ServiceUnavailableException',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'KMSThrottlingException',
]);

/** Names that mean the service is unavailable or failing; a later retry may succeed. */
const UNAVAILABLE = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'KMSUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whether a failed entry's error code is a throttle. */
export function isThrottleCode(code: string | undefined): boolean {
  return code !== undefined && THROTTLING.has(code);
}

/** The contract error for failed entries that are still failing after the retries. */
export function entryFailureError(codes: readonly (string | undefined)[], service: string): SluiceError {
  const throttled = codes.filter(isThrottleCode).length;
  if (throttled === codes.length) {
    return new DownstreamThrottledError(
      `${service} throttled ${throttled} record(s) after retries.`,
      THROTTLE_RETRY_AFTER_SECONDS,
    );
  }
  return new DownstreamUnavailableError(
    `${service} failed ${codes.length} record(s) after retries: ${codes.join(', ')}.`,
  );
}

/** The contract error for a whole call that failed (after the SDK's own retries). */
export function callFailureError(error: unknown, service: string): SluiceError {
  if (error instanceof DeadlineExceededError) return error;
  const { name, code, fault, status } = describe(error);
  if (name === 'AbortError') return new DeadlineExceededError(`${service} call aborted at the deadline.`);
  if (THROTTLING.has(name)) {
    return new DownstreamThrottledError(`${service} throttled the call: ${name}.`, THROTTLE_RETRY_AFTER_SECONDS);
  }
  if (UNAVAILABLE.has(name) || fault === 'server' || (status !== undefined && status >= 500)) {
    return new DownstreamUnavailableError(`${service} is unavailable: ${name}.`);
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new DownstreamUnavailableError(`${service} could not be reached: ${code}.`);
  }
  return new InternalError(`${service} refused the call: ${name}.`, { cause: error });
}

function describe(error: unknown): { name: string; code?: string; fault?: string; status?: number } {
  if (typeof error !== 'object' || error === null) return { name: String(error) };
  const record = error as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const described: { name: string; code?: string; fault?: string; status?: number } = {
    name: typeof record.name === 'string' ? record.name : 'Error',
  };
  if (typeof record.code === 'string') described.code = record.code;
  if (typeof record.$fault === 'string') described.fault = record.$fault;
  if (typeof record.$metadata?.httpStatusCode === 'number') described.status = record.$metadata.httpStatusCode;
  return described;
}
