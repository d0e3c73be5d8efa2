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

/**
 * Invalid records of one request get every error listed (up to MAX_ERRORS_PER_RECORD) while
 * their texts add up to at most this many bytes; past it, each gets its first error only.
 * Valibot builds an issue object for every bad value before anything can be capped: one 1 MB
 * record of 110,000 wrong values took 860 ms to list, against 100 ms to find the first.
 */
export const DETAILED_ERRORS_BUDGET_BYTES = 64 * 1024;
