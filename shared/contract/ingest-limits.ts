/**
 * Limits of the ingest function beyond the body size: they keep parsing, validation and the
 * answer bounded for any input that fits in the body limit.
 */

import { FIREHOSE_BATCH_LIMITS } from './contract.ts';

/**
 * Deepest nesting of arrays and objects (JSON) or elements (XML) a record may have. Deeper
 * input is refused with 400 before it is parsed, so no parser or validator recurses without bound.
 */
export const MAX_NESTING_DEPTH = 256;

/** Most records one batch post may hold: one Firehose `PutRecordBatch` call's worth. */
export const MAX_BATCH_RECORDS = FIREHOSE_BATCH_LIMITS.records;

/** Most validation errors reported per record; the rest are summarised in one last entry. */
export const MAX_ERRORS_PER_RECORD = 20;
