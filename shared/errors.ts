/**
 * Typed errors of the edge contract: one class per row, each carrying its status.
 * The ingest function turns them into `application/problem+json` (RFC 9457) in one place.
 */

/** One validation problem: where in the record, and what is wrong. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Base of every error that maps to a contract status. */
export abstract class SluiceError extends Error {
  abstract readonly status: number;
  /** Short, stable slug; the problem `type` is `urn:sluice:problem:<slug>`. */
  abstract readonly slug: string;
  abstract readonly title: string;
  /** Whether `detail` may be shown to the client (never for 5xx). */
  get exposeDetail(): boolean {
    return this.status < 500;
  }
}

/** 400: the body is not what the stream takes (bad JSON/XML, NDJSON to a single-record stream). */
export class MalformedBodyError extends SluiceError {
  override readonly name = 'MalformedBodyError';
  readonly status = 400;
  readonly slug = 'malformed-body';
  readonly title = 'Malformed body';
}

/** 400: the record does not match the stream's schema. */
export class SchemaViolationError extends SluiceError {
  override readonly name = 'SchemaViolationError';
  readonly status = 400;
  readonly slug = 'schema-violation';
  readonly title = 'Schema violation';
  constructor(
    message: string,
    readonly errors: readonly FieldError[],
  ) {
    super(message);
  }
}

/** 400 for a batch post in which no record was accepted; carries each record's problems. */
export class BatchRejectedError extends SluiceError {
  override readonly name = 'BatchRejectedError';
  readonly status = 400;
  readonly slug = 'batch-rejected';
  readonly title = 'No record of the batch was accepted';
  constructor(
    message: string,
    readonly rejected: readonly { readonly index: number; readonly errors: readonly FieldError[] }[],
  ) {
    super(message);
  }
}

/** 403: the tenant header names another tenant than the token's. */
export class TenantMismatchError extends SluiceError {
  override readonly name = 'TenantMismatchError';
  readonly status = 403;
  readonly slug = 'tenant-mismatch';
  readonly title = 'Tenant mismatch';
}

/** 404: no stream with this id. */
export class UnknownStreamError extends SluiceError {
  override readonly name = 'UnknownStreamError';
  readonly status = 404;
  readonly slug = 'unknown-stream';
  readonly title = 'Unknown stream';
}

/** 413: the body is over the stream's limit. */
export class PayloadTooLargeError extends SluiceError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'Payload too large';
  constructor(
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(`The body is ${actualBytes} bytes; this stream takes at most ${limitBytes} bytes.`);
  }
}

/** 415: the content type is not one the stream takes. */
export class UnsupportedMediaTypeError extends SluiceError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

/** 429: Firehose or Kinesis throttled the records; retry after `retryAfterSeconds`. */
export class DownstreamThrottledError extends SluiceError {
  override readonly name = 'DownstreamThrottledError';
  readonly status = 429;
  readonly slug = 'downstream-throttled';
  readonly title = 'Too many requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** 500: anything unexpected. Its message is never shown to the client. */
export class InternalError extends SluiceError {
  override readonly name = 'InternalError';
  readonly status = 500;
  readonly slug = 'internal-error';
  readonly title = 'Internal error';
}

/** 503: Firehose or Kinesis is unavailable or failing. */
export class DownstreamUnavailableError extends SluiceError {
  override readonly name = 'DownstreamUnavailableError';
  readonly status = 503;
  readonly slug = 'downstream-unavailable';
  readonly title = 'Service unavailable';
}

/** 504: delivery did not finish within the function's deadline. */
export class DeadlineExceededError extends SluiceError {
  override readonly name = 'DeadlineExceededError';
  readonly status = 504;
  readonly slug = 'deadline-exceeded';
  readonly title = 'Gateway timeout';
}

/** The `type` URI of a problem. */
export function problemType(slug: string): string {
  return `urn:sluice:problem:${slug}`;
}
