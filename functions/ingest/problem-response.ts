/**
 * The one place where errors become responses: RFC 9457 `application/problem+json` with
 * `type`, `title`, `status`, `detail` and `request_id`, plus `errors` for a schema violation
 * and `rejected` for a batch with no accepted record. Unknown errors are 500; a 5xx never
 * shows its message, only a fixed sentence.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE } from '#shared/contract';
import {
  BatchRejectedError,
  DownstreamThrottledError,
  InternalError,
  PayloadTooLargeError,
  problemType,
  SchemaViolationError,
  SluiceError,
} from '#shared/errors';

const SERVER_DETAIL: Readonly<Record<number, string>> = {
  500: 'An internal error occurred. Retry later; quote the request_id if it persists.',
  503: 'Delivery downstream is unavailable. Retry later.',
  504: 'Delivery downstream did not finish in time. Retry later.',
};

/** The contract error an error stands for: itself, or a 500 for anything unexpected. */
export function asSluiceError(error: unknown): SluiceError {
  return error instanceof SluiceError ? error : new InternalError('unexpected error', { cause: error });
}

function extensions(error: SluiceError): Record<string, unknown> {
  if (error instanceof SchemaViolationError) return { errors: error.errors };
  if (error instanceof BatchRejectedError) return { rejected: error.rejected };
  if (error instanceof PayloadTooLargeError) return { limit_bytes: error.limitBytes, size_bytes: error.actualBytes };
  if (error instanceof DownstreamThrottledError) return { retry_after_seconds: error.retryAfterSeconds };
  return {};
}

/** The problem response for an error. */
export function problemResponse(thrown: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const error = asSluiceError(thrown);
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' };
  if (error instanceof DownstreamThrottledError) headers['retry-after'] = String(error.retryAfterSeconds);
  const detail = error.exposeDetail ? error.message : (SERVER_DETAIL[error.status] ?? SERVER_DETAIL[500]);
  return {
    statusCode: error.status,
    headers,
    body: JSON.stringify({
      type: problemType(error.slug),
      title: error.title,
      status: error.status,
      detail,
      request_id: requestId,
      ...extensions(error),
    }),
  };
}
