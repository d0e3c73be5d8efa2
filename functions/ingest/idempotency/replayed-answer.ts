/** Whether an answer of the ingest function is a replay: its own file, so that metrics need not load the idempotency layer. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { IDEMPOTENT_REPLAYED_HEADER } from '#shared/contract/contract';

/** Whether an answer is a replay of a first one. */
export function isReplayed(answer: APIGatewayProxyStructuredResultV2): boolean {
  return answer.headers?.[IDEMPOTENT_REPLAYED_HEADER] === 'true';
}
