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
 * Largest problem body the function answers with: every value quoted from the input (paths,
 * messages, tag lists) is shortened, and list entries are dropped, to stay under it.
 */
export const MAX_PROBLEM_BODY_BYTES = 16_384;

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

/** One row of the status table in DESIGN.md §2 and the README. */
export interface ContractStatus {
  readonly status: number;
  readonly when: string;
  readonly retry: boolean;
  /** Who answers: the gateway (API Gateway or the local gateway) or the ingest function. */
  readonly source: 'gateway' | 'function' | 'both';
}

/** The edge contract's status table. */
export const CONTRACT_STATUSES: readonly ContractStatus[] = [
  {
    status: 202,
    when: 'accepted: every record was acknowledged by Firehose or Kinesis',
    retry: false,
    source: 'function',
  },
  {
    status: 400,
    when: 'malformed body: bad JSON or XML, NDJSON to a single-record stream, schema violation',
    retry: false,
    source: 'function',
  },
  { status: 401, when: 'missing, invalid or expired JWT', retry: false, source: 'gateway' },
  {
    status: 403,
    when: 'valid token without the scope for this stream, or a tenant header naming another tenant',
    retry: false,
    source: 'both',
  },
  { status: 404, when: 'unknown stream id', retry: false, source: 'both' },
  {
    status: 413,
    when: "body over the stream's limit (default 260,096 bytes), measured on decoded bytes",
    retry: false,
    source: 'function',
  },
  { status: 415, when: 'content type that the stream does not take', retry: false, source: 'function' },
  {
    status: 429,
    when: 'throttled at the gateway, or downstream throttled (with Retry-After)',
    retry: true,
    source: 'both',
  },
  { status: 500, when: 'internal error', retry: true, source: 'function' },
  { status: 503, when: 'downstream unavailable', retry: true, source: 'function' },
  { status: 504, when: "downstream did not answer within the function's deadline", retry: true, source: 'function' },
];

/** Every status the edge may answer with. */
export const CONTRACT_STATUS_CODES: ReadonlySet<number> = new Set(CONTRACT_STATUSES.map((row) => row.status));
