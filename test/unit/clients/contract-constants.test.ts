import { describe, expect, it } from 'vitest';
import * as copied from '#clients/typescript/src/contract-constants';
import {
  CONTENT_TYPES,
  CONTRACT_STATUSES,
  DEFAULT_MAX_BYTES,
  IDEMPOTENCY_KEY_HEADER,
  INGEST_PATH_PREFIX,
} from '#shared/contract/contract';
import { MAX_BATCH_RECORDS } from '#shared/contract/ingest-limits';

describe('the client package’s copy of the contract', () => {
  it('has the same paths, limits, header and content types as shared/contract', () => {
    expect(copied.INGEST_PATH_PREFIX).toBe(INGEST_PATH_PREFIX);
    expect(copied.DEFAULT_MAX_BYTES).toBe(DEFAULT_MAX_BYTES);
    expect(copied.MAX_BATCH_RECORDS).toBe(MAX_BATCH_RECORDS);
    expect(copied.IDEMPOTENCY_KEY_HEADER).toBe(IDEMPOTENCY_KEY_HEADER);
    expect(copied.NDJSON_CONTENT_TYPE).toBe(CONTENT_TYPES.ndjson[0]);
    expect(copied.JSON_CONTENT_TYPE).toBe(CONTENT_TYPES.json[0]);
    expect(CONTENT_TYPES.xml).toContain(copied.XML_CONTENT_TYPE);
  });

  it('retries exactly the statuses the status table marks "retry? yes"', () => {
    const retryable = CONTRACT_STATUSES.filter((row) => row.retry).map((row) => row.status);
    expect([...copied.RETRYABLE_STATUSES].sort()).toEqual(retryable.sort());
    expect(CONTRACT_STATUSES.find((row) => row.status === copied.PAYLOAD_TOO_LARGE_STATUS)?.retry).toBe(false);
  });
});
