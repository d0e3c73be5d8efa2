/**
 * Typed errors of the edge contract: one class per row, each carrying its status.
 * The ingest function turns them into `application/problem+json` (RFC 9457) in one place.
 */

import { CONTRACT_STATUS } from './contract.ts';

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

/** One problem type of the function's answers: its `type` slug, title and status. */
export interface ProblemTypeRow {
  readonly slug: string;
  readonly title: string;
  readonly status: number;
}

const problemTypes: ProblemTypeRow[] = [];

/** Every problem type an error class below answers with, in the order they are declared. */
export const PROBLEM_TYPES: readonly ProblemTypeRow[] = problemTypes;

/**
 * The base class of one contract row: its name (spelled out, because bundles are minified),
 * the contract row it answers with (so that its status is written only there), slug and
 * title. Each class is recorded in {@link PROBLEM_TYPES}, from which the docs list them.
 */
function problem(name: string, row: keyof typeof CONTRACT_STATUS, slug: string, title: string) {
  const status: number = CONTRACT_STATUS[row].status;
  problemTypes.push({ slug, title, status });
  return class extends SluiceError {
    override readonly name = name;
    readonly status = status;
    readonly slug = slug;
    readonly title = title;
  };
}

/** 400: the body is not what the stream takes (bad JSON/XML, NDJSON to a single-record stream). */
export class MalformedBodyError extends problem(
  'MalformedBodyError',
  'badRequest',
  'malformed-body',
  'Malformed body',
) {}

/** 400: the record does not match the stream's schema. */
export class SchemaViolationError extends problem(
  'SchemaViolationError',
  'badRequest',
  'schema-violation',
  'Schema violation',
) {
  constructor(
    message: string,
    readonly errors: readonly FieldError[],
  ) {
    super(message);
  }
}

/** 400 for a batch post in which no record was accepted; carries each record's problems. */
export class BatchRejectedError extends problem(
  'BatchRejectedError',
  'badRequest',
  'batch-rejected',
  'No record of the batch was accepted',
) {
  constructor(
    message: string,
    readonly rejected: readonly { readonly index: number; readonly errors: readonly FieldError[] }[],
  ) {
    super(message);
  }
}

/** 400: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters. */
export class InvalidIdempotencyKeyError extends problem(
  'InvalidIdempotencyKeyError',
  'badRequest',
  'invalid-idempotency-key',
  'Invalid Idempotency-Key',
) {}

/**
 * 401 from a webhook stream: the signature header is missing or wrong, or its signed timestamp
 * is outside the tolerance. The detail names the header expected, never the value or a byte.
 */
export class WebhookSignatureError extends problem(
  'WebhookSignatureError',
  'unauthorized',
  'webhook-signature',
  'Webhook signature not accepted',
) {}

/** 403: the tenant header or the token names another tenant. */
export class TenantMismatchError extends problem(
  'TenantMismatchError',
  'forbidden',
  'tenant-mismatch',
  'Tenant mismatch',
) {}

/** 404: no stream with this id. */
export class UnknownStreamError extends problem('UnknownStreamError', 'notFound', 'unknown-stream', 'Unknown stream') {}

/** 404 from a public GET function (discovery, API docs) for a path it does not serve. */
export class UnknownPathError extends problem('UnknownPathError', 'notFound', 'not-found', 'Not found') {}

/** 409: the first request with this `Idempotency-Key` is still in flight; retry after `retryAfterSeconds`. */
export class IdempotencyKeyInFlightError extends problem(
  'IdempotencyKeyInFlightError',
  'conflict',
  'idempotency-key-in-flight',
  'Request with this Idempotency-Key in flight',
) {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** 413: the body is over the stream's limit. */
export class PayloadTooLargeError extends problem(
  'PayloadTooLargeError',
  'payloadTooLarge',
  'payload-too-large',
  'Payload too large',
) {
  constructor(
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(`The body is ${actualBytes} bytes; this stream takes at most ${limitBytes} bytes.`);
  }
}

/** The compressed side of a refused compressed body: its coding, size and cap. */
export interface CompressedBodySize {
  readonly coding: string;
  readonly sizeBytes: number;
  readonly limitBytes: number;
}

/**
 * 413 for a compressed body: over the compressed cap (not inflated at all), or inflating past the
 * stream's `limitBytes` (inflation stops there). Either way its decompressed size is not known,
 * so the answer gives the compressed size and no `size_bytes`; `actualBytes` is `limitBytes + 1`.
 */
export class CompressedPayloadTooLargeError extends PayloadTooLargeError {
  override readonly name = 'CompressedPayloadTooLargeError';
  constructor(
    limitBytes: number,
    readonly compressed: CompressedBodySize,
  ) {
    super(limitBytes, limitBytes + 1);
    const { coding, sizeBytes } = compressed;
    this.message =
      sizeBytes > compressed.limitBytes
        ? `The ${coding} body is ${sizeBytes} bytes compressed; Sluice inflates at most ${compressed.limitBytes} compressed bytes.`
        : `The ${coding} body is ${sizeBytes} bytes compressed and more than ${limitBytes} bytes decompressed; this stream takes at most ${limitBytes} bytes.`;
  }
}

/** 415: the content type is not one the stream takes. */
export class UnsupportedMediaTypeError extends problem(
  'UnsupportedMediaTypeError',
  'unsupportedMediaType',
  'unsupported-media-type',
  'Unsupported media type',
) {}

/** 422: the `Idempotency-Key` was used within its window for another body. */
export class IdempotencyKeyReusedError extends problem(
  'IdempotencyKeyReusedError',
  'unprocessableContent',
  'idempotency-key-reused',
  'Idempotency-Key reused for another body',
) {}

/** 429: Firehose or Kinesis throttled the records; retry after `retryAfterSeconds`. */
export class DownstreamThrottledError extends problem(
  'DownstreamThrottledError',
  'tooManyRequests',
  'downstream-throttled',
  'Too many requests',
) {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** 500: anything unexpected. Its message is never shown to the client. */
export class InternalError extends problem('InternalError', 'internalError', 'internal-error', 'Internal error') {}

/** 503: Firehose or Kinesis is unavailable or failing. */
export class DownstreamUnavailableError extends problem(
  'DownstreamUnavailableError',
  'serviceUnavailable',
  'downstream-unavailable',
  'Service unavailable',
) {}

/**
 * 503 from a webhook stream whose secret is not set or cannot be read: the operator must set it,
 * and the sender should retry later. Unlike other 5xx, its detail is shown: it is built from the
 * secret reader's message, which names the secret and how to set it and never holds a value
 * (SecretUnavailableError), so the sender's delivery log shows the operator the fix.
 */
export class WebhookSecretUnavailableError extends problem(
  'WebhookSecretUnavailableError',
  'serviceUnavailable',
  'webhook-secret-unavailable',
  'Webhook secret not available',
) {
  override get exposeDetail(): boolean {
    return true;
  }
}

/** 504: delivery did not finish within the function's deadline. */
export class DeadlineExceededError extends problem(
  'DeadlineExceededError',
  'gatewayTimeout',
  'deadline-exceeded',
  'Gateway timeout',
) {}

/** The `type` URI of a problem. */
export function problemType(slug: string): string {
  return `urn:sluice:problem:${slug}`;
}
