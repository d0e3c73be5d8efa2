/** The ingest handler: middy wiring around the ingest core, shared by AWS and local mode. */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DELIVERY_DEADLINE_MS } from '#shared/contract';
import type { RecordDelivery } from '#shared/delivery/delivery-port';
import type { SecretReader } from '#shared/pull-run';
import type { TenantConfig } from '#shared/tenant-config';
import { type IngestOutcome, ingest } from './ingest-core.ts';
import { toIngestRequest } from './ingest-request.ts';
import { problemResponder } from './problem-middleware.ts';
import { webhookAuthentication } from './webhook-authentication.ts';
import { NO_SECRET_READER } from './webhook-secrets.ts';

/** Time kept back from the Lambda's remaining time, to answer after delivery gave up. */
export const DEADLINE_SAFETY_MARGIN_MS = 1_000;

const defaultLogger = new Logger({ serviceName: 'sluice-ingest' });

/** What the handler is built from. */
export interface IngestHandlerOptions {
  readonly tenant: TenantConfig;
  readonly delivery: RecordDelivery;
  readonly logger?: Logger;
  /** Delivery budget per request; defaults to DELIVERY_DEADLINE_MS. */
  readonly deliveryDeadlineMs?: number;
  /** Where webhook streams' secrets come from (Secrets Manager on AWS, local secrets in local mode). */
  readonly webhookSecrets?: SecretReader;
}

/** The delivery budget: the configured one, or less when the Lambda has less time left. */
export function deliveryBudgetMs(configuredMs: number, context: Partial<Context>): number {
  const remaining =
    typeof context.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis() - DEADLINE_SAFETY_MARGIN_MS
      : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(configuredMs, remaining));
}

function acceptedResponse(outcome: IngestOutcome): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      status: 'accepted',
      stream: outcome.stream,
      records: outcome.records,
      receipt: outcome.receipt,
      ...(outcome.batch ? { accepted: outcome.batch.accepted, rejected: outcome.batch.rejected } : {}),
    }),
  };
}

/** Builds the ingest handler for API Gateway HTTP API payload-format-2.0 events. */
export function createIngestHandler(options: IngestHandlerOptions) {
  const logger = options.logger ?? defaultLogger;
  const configuredMs = options.deliveryDeadlineMs ?? DELIVERY_DEADLINE_MS;
  return (
    middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
      // middy runs onError handlers in reverse order: used first, the problem responder answers last.
      .use(problemResponder(logger))
      // logEvent false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the bearer token.
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      // Webhook streams have no JWT authorizer: their signature is checked before anything else.
      .use(webhookAuthentication({ tenant: options.tenant, secrets: options.webhookSecrets ?? NO_SECRET_READER }))
      .handler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => {
        const request = toIngestRequest(event, context);
        const deadlineAt = Date.now() + deliveryBudgetMs(configuredMs, context);
        const outcome = await ingest(request, {
          tenant: options.tenant,
          delivery: options.delivery,
          logger,
          deadlineAt,
        });
        logger.info('records accepted', {
          status: 202,
          stream: outcome.stream,
          records: outcome.records,
          rejected: outcome.batch?.rejected.length ?? 0,
          receipt: outcome.receipt,
          request_id: request.requestId,
        });
        return acceptedResponse(outcome);
      })
  );
}
