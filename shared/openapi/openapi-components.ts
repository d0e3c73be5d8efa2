/**
 * The schemas of the bodies Sluice answers with, as the OpenAPI document publishes them: the
 * 202 body, the dry run's 200 body, RFC 9457 problem bodies (with the members functions/shared/problem-response.ts
 * adds) and the gateway's own `{"message": …}`.
 */
import { MAX_PROBLEM_BODY_BYTES } from '../contract/contract.ts';
import { problemType } from '../contract/errors.ts';
import { MAX_BATCH_RECORDS, MAX_ERRORS_PER_RECORD } from '../contract/ingest-limits.ts';
import type { JsonSchemaObject } from './openapi-record-schema.ts';
import { schemaRef } from './openapi-responses.ts';

const recordCount: JsonSchemaObject = { type: 'integer', minimum: 1, maximum: MAX_BATCH_RECORDS };

const rejectedList: JsonSchemaObject = {
  type: 'array',
  items: schemaRef('BatchRejection'),
  description: 'Batch posts only: the records that were not accepted, by their index in the batch.',
};

/** The response body schemas every document holds. */
export function responseBodySchemas(): Record<string, JsonSchemaObject> {
  return {
    FieldError: {
      type: 'object',
      required: ['path', 'message'],
      properties: {
        path: {
          type: 'string',
          description: 'RFC 6901 JSON Pointer into the record; `""` is the record itself.',
        },
        message: { type: 'string' },
      },
    },
    BatchRejection: {
      type: 'object',
      required: ['index', 'errors'],
      properties: {
        index: { type: 'integer', minimum: 0, description: "The record's index in the batch (0 is the first)." },
        errors: { type: 'array', items: schemaRef('FieldError'), maxItems: MAX_ERRORS_PER_RECORD },
      },
    },
    Accepted: {
      type: 'object',
      description:
        'Every record counted in `records` was acknowledged by Firehose or Kinesis before this answer. ' +
        'Batch posts (a JSON array or NDJSON) add `accepted` and `rejected`.',
      required: ['status', 'stream', 'records', 'receipt'],
      properties: {
        status: { type: 'string', const: 'accepted' },
        stream: { type: 'string' },
        records: recordCount,
        receipt: { type: 'string', format: 'uuid' },
        accepted: { ...recordCount, description: 'Batch posts only: the records accepted.' },
        rejected: rejectedList,
      },
    },
    DryRunResult: {
      type: 'object',
      required: ['valid', 'records'],
      properties: {
        valid: { type: 'boolean', const: true },
        records: { ...recordCount, description: 'How many records the stream route would have accepted.' },
        rejected: rejectedList,
      },
    },
    Problem: {
      type: 'object',
      description: `An RFC 9457 problem. The whole body is at most ${MAX_PROBLEM_BODY_BYTES} bytes, whatever the input.`,
      required: ['type', 'title', 'status', 'detail', 'request_id'],
      properties: {
        type: { type: 'string', description: `The problem type, \`${problemType('<slug>')}\`.` },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        request_id: { type: 'string', description: 'The same id as in the logs; quote it in support requests.' },
        errors: {
          type: 'array',
          items: schemaRef('FieldError'),
          maxItems: MAX_ERRORS_PER_RECORD,
          description: 'Schema violations of the record.',
        },
        rejected: { ...rejectedList, description: 'A batch with no accepted record: why each was rejected.' },
        limit_bytes: { type: 'integer', description: '413 only: the limit.' },
        size_bytes: { type: 'integer', description: '413 only: the size of the body.' },
        retry_after_seconds: { type: 'integer', description: '429 only: the same as the Retry-After header.' },
        truncated: {
          type: 'boolean',
          const: true,
          description: 'Present only if something quoted from the input was shortened or left out.',
        },
      },
    },
    GatewayError: {
      type: 'object',
      description: 'An answer of the API gateway itself, before Sluice ran.',
      required: ['message'],
      properties: { message: { type: 'string' } },
    },
  };
}
