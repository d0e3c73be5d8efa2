/**
 * The few values of the Sluice edge contract the client needs, copied from shared/contract so
 * that this package imports no server code and can be published on its own;
 * test/unit/clients/contract-constants.test.ts fails when they drift apart.
 */

/** Path prefix of the ingest routes; a stream's route is this plus its id. */
export const INGEST_PATH_PREFIX = '/stream/v0/data/';

/** Default body limit per stream, measured on decoded bytes. */
export const DEFAULT_MAX_BYTES = 260_096;

/** Most records one batch post may hold. */
export const MAX_BATCH_RECORDS = 500;

/** Request header that makes a post safe to retry. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Content type of a batch post, one record per line. */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
/** Content type of one JSON record. */
export const JSON_CONTENT_TYPE = 'application/json';
/** Content type of one XML document. */
export const XML_CONTENT_TYPE = 'application/xml';

/** Statuses the contract marks "retry? yes". */
export const RETRYABLE_STATUSES: readonly number[] = [409, 429, 500, 503, 504];

/** Status of a body over the stream's limit: the client splits the batch. */
export const PAYLOAD_TOO_LARGE_STATUS = 413;
