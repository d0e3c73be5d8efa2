/**
 * The one place where errors become responses: RFC 9457 `application/problem+json` with
 * `type`, `title`, `status`, `detail` and `request_id`, plus `errors` for a schema violation
 * and `rejected` for a batch with no accepted record. Unknown errors are 500; a 5xx never
 * shows its message, only a fixed sentence (unless its class says the message is safe to show,
 * as a missing webhook secret's is). The body stays under MAX_PROBLEM_BODY_BYTES
 * whatever the input: quoted values are shortened, then trailing list entries dropped, and
 * `truncated: true` says so.
 */
import { Buffer } from 'node:buffer';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_PROBLEM_BODY_BYTES, PROBLEM_CONTENT_TYPE } from '#shared/contract/contract';
import {
  BatchRejectedError,
  CompressedPayloadTooLargeError,
  DownstreamThrottledError,
  IdempotencyKeyInFlightError,
  InternalError,
  PayloadTooLargeError,
  problemType,
  SchemaViolationError,
  SluiceError,
} from '#shared/contract/errors';
import { boundedFieldErrors, boundedText, MAX_DETAIL_BYTES } from '#shared/contract/quoted-input';

const SERVER_DETAIL: Readonly<Record<number, string>> = {
  500: 'An internal error occurred. Retry later; quote the request_id if it persists.',
  503: 'Delivery downstream is unavailable. Retry later.',
  504: 'Delivery downstream did not finish in time. Retry later.',
};

/** The contract error an error stands for: itself, or a 500 for anything unexpected. */
export function asSluiceError(error: unknown): SluiceError {
  return error instanceof SluiceError ? error : new InternalError('unexpected error', { cause: error });
}

/** The seconds an error tells the client to wait, sent as both `Retry-After` and `retry_after_seconds`. */
function retryAfterSeconds(error: SluiceError): number | undefined {
  return error instanceof DownstreamThrottledError || error instanceof IdempotencyKeyInFlightError
    ? error.retryAfterSeconds
    : undefined;
}

interface Extensions {
  readonly members: Record<string, unknown>;
  readonly shortened: boolean;
}

function extensions(error: SluiceError): Extensions {
  if (error instanceof SchemaViolationError) {
    const { errors, shortened } = boundedFieldErrors(error.errors);
    return { members: { errors }, shortened };
  }
  if (error instanceof BatchRejectedError) {
    let shortened = false;
    const rejected = error.rejected.map(({ index, errors }) => {
      const bounded = boundedFieldErrors(errors);
      shortened ||= bounded.shortened;
      return { index, errors: bounded.errors };
    });
    return { members: { rejected }, shortened };
  }
  if (error instanceof CompressedPayloadTooLargeError) {
    // Inflation stopped at the limit (or never started), so the decompressed size is "more than limit_bytes".
    const { sizeBytes, limitBytes } = error.compressed;
    const members = {
      limit_bytes: error.limitBytes,
      compressed_size_bytes: sizeBytes,
      compressed_limit_bytes: limitBytes,
    };
    return { members, shortened: false };
  }
  if (error instanceof PayloadTooLargeError) {
    return { members: { limit_bytes: error.limitBytes, size_bytes: error.actualBytes }, shortened: false };
  }
  const retryAfter = retryAfterSeconds(error);
  return { members: retryAfter === undefined ? {} : { retry_after_seconds: retryAfter }, shortened: false };
}

function fits(body: string): boolean {
  return Buffer.byteLength(body, 'utf8') <= MAX_PROBLEM_BODY_BYTES;
}

/**
 * The body with as many leading `errors` or `rejected` entries as fit: with every quoted value
 * bounded, even one entry per record and 20 errors per entry leave room, so this only drops
 * whole entries of a long list.
 */
function boundedBody(problem: Record<string, unknown>, shortened: boolean): string {
  const whole = JSON.stringify(shortened ? { ...problem, truncated: true } : problem);
  if (fits(whole)) return whole;
  const listKey = Array.isArray(problem.rejected) ? 'rejected' : 'errors';
  const list = Array.isArray(problem[listKey]) ? (problem[listKey] as unknown[]) : [];
  const withFirst = (count: number) => JSON.stringify({ ...problem, [listKey]: list.slice(0, count), truncated: true });
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(withFirst(middle))) low = middle;
    else high = middle - 1;
  }
  return withFirst(low);
}

/** The problem response for an error. */
export function problemResponse(thrown: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const error = asSluiceError(thrown);
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' };
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  const fullDetail = error.exposeDetail ? error.message : (SERVER_DETAIL[error.status] ?? SERVER_DETAIL[500]);
  const detail = boundedText(fullDetail ?? '', MAX_DETAIL_BYTES);
  const { members, shortened } = extensions(error);
  const problem = {
    type: problemType(error.slug),
    title: error.title,
    status: error.status,
    detail,
    request_id: requestId,
    ...members,
  };
  return { statusCode: error.status, headers, body: boundedBody(problem, shortened || detail !== fullDetail) };
}
