/**
 * The Idempotency-Key table's layout, written once for the stack, the embedded DynamoDB and
 * the ingest function (which hands it to Powertools' DynamoDB persistence layer).
 */

/** Partition key: Powertools' hashed key of tenant, stream and header value. */
export const IDEMPOTENCY_PARTITION_KEY = 'id';
/** Epoch seconds after which a record no longer holds its key; DynamoDB's TTL deletes it later. */
export const IDEMPOTENCY_EXPIRY_ATTRIBUTE = 'expiration';
