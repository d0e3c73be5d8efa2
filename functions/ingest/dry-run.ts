/** The dry-run route's answer: 200 `{ valid, records }` where the stream's route would answer 202. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TenantConfig } from '#shared/config/tenant-config';
import { CONTRACT_STATUS, IDEMPOTENCY_KEY_HEADER } from '#shared/contract/contract';
import { assertValidIdempotencyKey } from './idempotency/idempotency-key.ts';
import { validate } from './ingest-core.ts';
import type { IngestRequest } from './ingest-request.ts';

/**
 * Runs every check of the stream's route on a dry-run request and answers 200 with the number
 * of records the route would accept (and, for a batch post, the records it would reject, as its
 * 202 lists them). Throws the route's SluiceError otherwise; nothing is delivered or dead-lettered.
 */
export async function answerDryRun(
  request: IngestRequest,
  tenant: TenantConfig,
  logger: Logger,
): Promise<APIGatewayProxyStructuredResultV2> {
  // The real route refuses a malformed key with 400; its dry run answers the same.
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (key !== undefined) assertValidIdempotencyKey(key);
  const outcome = await validate(request, tenant);
  const status = CONTRACT_STATUS.validated.status;
  logger.info('records validated', {
    status,
    stream: outcome.stream,
    records: outcome.records,
    rejected: outcome.rejected?.length ?? 0,
    request_id: request.requestId,
  });
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({
      valid: true,
      records: outcome.records,
      ...(outcome.rejected ? { rejected: outcome.rejected } : {}),
    }),
  };
}
