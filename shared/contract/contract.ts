/**
 * The edge contract of Sluice, written once: paths, limits, content types, headers and
 * the status table. Infra, functions, local mode, docs and tests read it from here.
 */

/** Path prefix of the ingest routes; a stream's route is this plus its id. */
export const INGEST_PATH_PREFIX = '/stream/v0/data/';

/** The route path of one stream, as API Gateway and the local gateway match it. */
export function ingestPath(streamId: string): string {
  return `${INGEST_PATH_PREFIX}${streamId}`;
}

/** Path prefix of the dry-run routes: every check of the stream's route, nothing written. */
export const VALIDATE_PATH_PREFIX = '/stream/v0/validate/';

/** The dry-run route path of one stream. */
export function validatePath(streamId: string): string {
  return `${VALIDATE_PATH_PREFIX}${streamId}`;
}

/** The tenant's OpenAPI document; answered without a token. */
export const OPENAPI_PATH = '/openapi.json';
/** The API reference page that renders {@link OPENAPI_PATH}; answered without a token. */
export const DOCS_PATH = '/docs';
/** The API reference component's script, which the docs page loads from our own origin. */
export const API_REFERENCE_SCRIPT_PATH = '/docs/api-reference.js';

/**
 * Route throttle of every public GET (health, the issuer's discovery documents, the OpenAPI
 * document and the docs page), on AWS and in local mode. Anonymous traffic to them would
 * otherwise draw on the stage throttle and could get real ingest answered 429. Monitors and
 * the JWT authorizer (which caches keys for up to an hour) need a few requests a minute;
 * clients should cache the discovery answers (max-age 300).
 */
export const PUBLIC_ROUTE_THROTTLE = { rate: 10, burst: 20 } as const;

/**
 * Route throttle of a webhook stream's routes (and their dry runs) when the stream sets none,
 * on AWS and in local mode. Those routes have no authorizer, so anyone may post to them and
 * each post runs the ingest function: they must not take the tenant's full throttle. SaaS
 * webhook senders post a few times a second; a stream's own `throttle` raises it.
 */
export const WEBHOOK_ROUTE_THROTTLE = { rate: 20, burst: 40 } as const;

/** Health check path; answered without a token. */
export const HEALTH_PATH = '/health';

/** OIDC discovery paths served by the self issuer. */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
/** JWKS path served by the self issuer. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Default body limit per stream: 254 KiB, measured on decoded bytes. */
export const DEFAULT_MAX_BYTES = 260_096;

/**
 * Largest `maxBytes` a stream may configure: one Firehose record is at most 1,000 KiB,
 * and a single-record post becomes exactly one record.
 */
export const MAX_RECORD_BYTES = 1_024_000;

/**
 * Largest compressed body (`Content-Encoding: gzip` or `deflate`) the function inflates; the
 * stream's `maxBytes` applies to the inflated body. 1 MiB holds any honest compression of the
 * largest body a stream may take ({@link MAX_RECORD_BYTES}): on incompressible bytes deflate adds
 * 5 bytes per 64 KiB block and gzip an 18-byte frame, about 100 bytes in all. A larger body can
 * only be padding (empty blocks, many members) that costs work and yields nothing. Base64-encoded
 * by the HTTP API it is 1.4 MB, well inside Lambda's 6 MB invocation payload.
 */
export const MAX_COMPRESSED_BODY_BYTES = 1_048_576;

/** Content codings every stream takes besides `identity` (RFC 9110 §8.4.1); any other is 415. */
export const CONTENT_CODINGS = ['gzip', 'deflate'] as const;

/**
 * Largest problem body the function answers with: every value quoted from the input (paths,
 * messages, tag lists) is shortened, and list entries are dropped, to stay under it.
 */
export const MAX_PROBLEM_BODY_BYTES = 16_384;

/** CloudFormation's most resources in one stack: a tenant stack past it is refused at synth (infra/resource-limit.ts). */
export const CLOUDFORMATION_MAX_RESOURCES = 500;

/** Firehose PutRecordBatch limits per call. */
export const FIREHOSE_BATCH_LIMITS = { records: 500, bytes: 4 * 1024 * 1024 } as const;
/** Kinesis PutRecords limits per call. */
export const KINESIS_BATCH_LIMITS = { records: 500, bytes: 5 * 1024 * 1024 } as const;

/** API Gateway HTTP API integration timeout, which nothing can raise. */
export const GATEWAY_TIMEOUT_MS = 30_000;
/** Lambda timeout of the ingest function: below the gateway's, so the function answers first. */
export const INGEST_FUNCTION_TIMEOUT_MS = GATEWAY_TIMEOUT_MS - 2_000;
/** Time budget for delivery inside one request; past it the answer is 504. */
export const DELIVERY_DEADLINE_MS = INGEST_FUNCTION_TIMEOUT_MS - 3_000;

/** Content types by stream payload. Parameters such as `charset` are allowed. */
export const CONTENT_TYPES = {
  json: ['application/json'],
  ndjson: ['application/x-ndjson'],
  xml: ['application/xml', 'text/xml'],
} as const;

/** Media type of every error body the function produces (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Header naming the tenant; when present it must match the token's tenant. */
export const TENANT_HEADER = 'x-sluice-tenant';
/** Accepted alias of {@link TENANT_HEADER}, for clients moving from Amperity. */
export const TENANT_HEADER_ALIAS = 'x-amperity-tenant';

/** Request header that makes a post safe to retry: processed at most once per stream and key within a window. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Response header of an answer replayed for a repeated {@link IDEMPOTENCY_KEY_HEADER}: `true`. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** An idempotency key: 1 to 255 printable ASCII characters (space to `~`). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/** Default window in which a key is held: 24 hours, per stream in `idempotency.windowSeconds`. */
export const DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 86_400;
/** `Retry-After` of a 409 for a key whose first request is still in flight: most posts finish within it. */
export const IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/** One row of the status table; README.md and docs/contract.md render it (`npm run docs`). */
export interface ContractStatus {
  readonly status: number;
  /** When the edge answers this status, as the docs print it (Markdown). */
  readonly when: string;
  /** Whether a client should retry the same request later. */
  readonly retry: boolean;
  /** Who answers: the gateway (API Gateway or the local gateway) or the ingest function. */
  readonly source: 'gateway' | 'function' | 'both';
}

// Not toLocaleString: its first call loads ICU data, about 15 ms of every cold start, since
// the table text is built when the ingest bundle is imported.
/** `260,096`: numbers in the docs read with thousands separators. */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * The edge contract's status table, keyed by name so that the error classes in errors.ts take
 * their status from here and no status number is written twice.
 */
export const CONTRACT_STATUS = {
  validated: {
    status: 200,
    when:
      `dry run (\`POST ${VALIDATE_PATH_PREFIX}<stream-id>\`): every check of the stream's route passed, ` +
      'where it would answer 202; nothing was written',
    retry: false,
    source: 'function',
  },
  accepted: {
    status: 202,
    when: 'accepted: every record of the request was acknowledged by Firehose or Kinesis',
    retry: false,
    source: 'function',
  },
  badRequest: {
    status: 400,
    when:
      'malformed or invalid: empty body, bad JSON or XML, invalid UTF-8 (in bodies passed as bytes), ' +
      'nesting too deep, NDJSON or several JSON lines to a stream without batch posts, a record that is ' +
      'not a JSON object (schemaless streams), schema violation, a batch with no accepted record or too ' +
      'many records, DOCTYPE, entity declarations, undeclared entities or `<` in an attribute value in XML, anything but comments and ' +
      'processing instructions after the XML root element, XML that is not well formed (a mismatched or ' +
      'unclosed tag, an attribute without a quoted value or given twice, text before the root element, an ' +
      "XML declaration after the start), an XML document without an element at the stream's " +
      '`records` path, a corrupt or truncated gzip or deflate body, an `Idempotency-Key` that is not 1 to 255 ' +
      'printable ASCII characters',
    retry: false,
    source: 'function',
  },
  unauthorized: {
    status: 401,
    when: 'missing, invalid or expired JWT (gateway); a missing or bad webhook signature, or a stale signed timestamp (function)',
    retry: false,
    source: 'both',
  },
  forbidden: {
    status: 403,
    when: 'token without the scope for this stream (gateway); token or tenant header naming another tenant (function)',
    retry: false,
    source: 'both',
  },
  notFound: { status: 404, when: 'unknown stream id', retry: false, source: 'both' },
  conflict: {
    status: 409,
    when: 'the first request with the same `Idempotency-Key` on this stream is still in flight (with `Retry-After`)',
    retry: true,
    source: 'function',
  },
  payloadTooLarge: {
    status: 413,
    when:
      `body over the stream's \`maxBytes\`, default ${DEFAULT_MAX_BYTES / 1024} KiB ` +
      `(${grouped(DEFAULT_MAX_BYTES)} bytes), measured on decoded bytes (decompressed, for a gzip or deflate ` +
      `body); a compressed body over ${grouped(MAX_COMPRESSED_BODY_BYTES)} bytes`,
    retry: false,
    source: 'function',
  },
  unsupportedMediaType: {
    status: 415,
    when:
      'content type, charset or content coding the stream does not take; no `Content-Type`, or several ' +
      '(API Gateway joins repeated headers with a comma); every stream takes the codings gzip, deflate and identity',
    retry: false,
    source: 'function',
  },
  unprocessableContent: {
    status: 422,
    when: 'the `Idempotency-Key` was used within its window for a different body on this stream',
    retry: false,
    source: 'function',
  },
  tooManyRequests: {
    status: 429,
    when: 'throttled at the gateway, or Firehose/Kinesis throttled after retries (with `Retry-After`)',
    retry: true,
    source: 'both',
  },
  internalError: {
    status: 500,
    when:
      "internal error (details only in the logs); from the gateway when the function could not run or the tenant's " +
      'opt-in `reservedConcurrency` cap was reached (overload is otherwise a 429 from the throttles)',
    retry: true,
    source: 'both',
  },
  serviceUnavailable: {
    status: 503,
    when:
      'Firehose/Kinesis unavailable or failing after retries; a webhook stream whose secret is not set or ' +
      'cannot be read (the detail names the secret and how to set it)',
    retry: true,
    source: 'function',
  },
  gatewayTimeout: {
    status: 504,
    when:
      `delivery did not finish within the function's deadline (${DELIVERY_DEADLINE_MS / 1000} s, ` +
      'less if the Lambda has less time)',
    retry: true,
    source: 'function',
  },
} as const satisfies Record<string, ContractStatus>;

/** The status table as rows, in status order. */
export const CONTRACT_STATUSES: readonly ContractStatus[] = Object.values(CONTRACT_STATUS);

/** Every status the edge may answer with. */
export const CONTRACT_STATUS_CODES: ReadonlySet<number> = new Set(CONTRACT_STATUSES.map((row) => row.status));
