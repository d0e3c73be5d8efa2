/**
 * The answers of the stream routes in the OpenAPI document, generated from the status table
 * (CONTRACT_STATUS) and the problem types (PROBLEM_TYPES), so that a row added there shows up
 * here. Bodies follow who answers: the function's are `application/problem+json`, the
 * gateway's `{"message": …}`, a row answered by both has both.
 */
import {
  CONTENT_TYPES,
  CONTRACT_STATUS,
  CONTRACT_STATUSES,
  type ContractStatus,
  PROBLEM_CONTENT_TYPE,
} from '../contract/contract.ts';
import { PROBLEM_TYPES, problemType } from '../contract/errors.ts';
import { IDEMPOTENT_REPLAYED_HEADER_NAME } from './openapi-headers.ts';
import type { JsonSchemaObject } from './openapi-record-schema.ts';

/** A Response Object of OpenAPI 3.1. */
export interface ResponseObject {
  readonly description: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchemaObject }>>;
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchemaObject }>>;
}

/** A reference to a schema under `components.schemas`. */
export function schemaRef(name: string): JsonSchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

const JSON_TYPE = CONTENT_TYPES.json[0];

/** The rows a stream route answers with: the status table but the dry run's own 200. */
function streamRouteStatuses(): readonly ContractStatus[] {
  return CONTRACT_STATUSES.filter((row) => row !== CONTRACT_STATUS.validated);
}

/**
 * Statuses a dry run never answers: it acknowledges nothing (200 instead of 202), delivers
 * nothing (no 503 or 504) and takes no Idempotency-Key. A webhook stream's dry run is the
 * exception to 503: it checks the signature, and answers 503 when the secret cannot be read.
 */
const DRY_RUN_EXCLUDED_STATUSES: ReadonlySet<number> = new Set([
  CONTRACT_STATUS.accepted.status,
  CONTRACT_STATUS.serviceUnavailable.status,
  CONTRACT_STATUS.gatewayTimeout.status,
  CONTRACT_STATUS.conflict.status,
  CONTRACT_STATUS.unprocessableContent.status,
]);

/** Name of the schema component of the problem bodies of one status. */
function problemSchemaName(status: number): string {
  return `Problem${status}`;
}

/** The problem body schemas, one per status that the function answers with. */
export function problemSchemas(): Record<string, JsonSchemaObject> {
  const statuses = streamRouteStatuses().filter((row) => row.status >= 400 && row.source !== 'gateway');
  return Object.fromEntries(
    statuses.map((row) => {
      const types = PROBLEM_TYPES.filter((type) => type.status === row.status).map((type) => problemType(type.slug));
      const schema: JsonSchemaObject = {
        allOf: [schemaRef('Problem')],
        properties: {
          ...(types.length > 0 ? { type: { type: 'string', enum: types } } : {}),
          status: { type: 'integer', const: row.status },
        },
      };
      return [problemSchemaName(row.status), schema];
    }),
  );
}

function retryAdvice(row: ContractStatus): string {
  return row.retry ? 'Retry later.' : 'Do not retry unchanged.';
}

function statusResponse(row: ContractStatus): ResponseObject {
  const content: Record<string, { schema: JsonSchemaObject }> = {};
  if (row.source !== 'gateway') content[PROBLEM_CONTENT_TYPE] = { schema: schemaRef(problemSchemaName(row.status)) };
  if (row.source !== 'function') content[JSON_TYPE] = { schema: schemaRef('GatewayError') };
  const retryAfter =
    row.status === CONTRACT_STATUS.tooManyRequests.status
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds to wait before retrying (answers from Sluice, not from the gateway).',
              schema: { type: 'integer', minimum: 0 } satisfies JsonSchemaObject,
            },
          },
        }
      : {};
  return { description: `${row.when}. ${retryAdvice(row)}`, ...retryAfter, content };
}

function acceptedResponse(row: ContractStatus): ResponseObject {
  return {
    description: `${row.when}.`,
    headers: {
      [IDEMPOTENT_REPLAYED_HEADER_NAME]: {
        description: '`true` when this is the stored answer to an earlier post with the same Idempotency-Key.',
        schema: { type: 'string', enum: ['true'] },
      },
    },
    content: { [JSON_TYPE]: { schema: schemaRef('Accepted') } },
  };
}

/** The responses of a stream's route, one per status it may answer with. */
export function ingestResponses(): Record<string, ResponseObject> {
  return Object.fromEntries(
    streamRouteStatuses().map((row) => [
      String(row.status),
      row.status === CONTRACT_STATUS.accepted.status ? acceptedResponse(row) : statusResponse(row),
    ]),
  );
}

/** The responses of a stream's dry-run route: 200 where the stream's route would answer 202, else the same. */
export function dryRunResponses(signed: boolean): Record<string, ResponseObject> {
  const ok: ResponseObject = {
    description:
      `${CONTRACT_STATUS.validated.when}. The stream route would have accepted the body (with the same ` +
      '`rejected` list for a partly valid batch); not even a dead letter was written.',
    content: { [JSON_TYPE]: { schema: schemaRef('DryRunResult') } },
  };
  const failures = streamRouteStatuses()
    .filter(
      (row) => (signed && row === CONTRACT_STATUS.serviceUnavailable) || !DRY_RUN_EXCLUDED_STATUSES.has(row.status),
    )
    .map((row) => [String(row.status), statusResponse(row)] as const);
  return Object.fromEntries([[String(CONTRACT_STATUS.validated.status), ok], ...failures]);
}
