/** The ingest handler: middy wiring around the ingest core, shared by AWS and local mode. */
import { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MeteredDelivery } from '#functions/metrics/metered-delivery';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DELIVERY_DEADLINE_MS, IDEMPOTENCY_KEY_HEADER, INGEST_PATH_PREFIX } from '#shared/contract/contract';
import { InternalError } from '#shared/contract/errors';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import { type MetricsRecorder, NO_METRICS } from '#shared/ports/metrics';
import type { SecretReader } from '#shared/pull/pull-run';
import { answerDryRun } from './dry-run.ts';
import type { KeyedWork } from './idempotency/idempotent-answers.ts';
import { type IdempotencyStoreSource, lazyIdempotentAnswers } from './idempotency/lazy-idempotent-answers.ts';
import { type IngestOutcome, ingest } from './ingest-core.ts';
import { toIngestRequest } from './ingest-request.ts';
import { problemResponder } from './problem-middleware.ts';
import { requestMetrics } from './request-metrics.ts';
import { webhookAuthentication } from './webhook/webhook-authentication.ts';
import { NO_SECRET_READER } from './webhook/webhook-secrets.ts';

/** Time kept back from the Lambda's remaining time, to answer after delivery gave up. */
export const DEADLINE_SAFETY_MARGIN_MS = 1_000;

/** The `service` of the ingest function's log lines. */
export const INGEST_SERVICE_NAME = 'sluice-ingest';

/** The `message` of an accepted request's log line (docs/contract.md, Logs). */
export const RECORDS_ACCEPTED_MESSAGE = 'records accepted';

const defaultLogger = new Logger({ serviceName: INGEST_SERVICE_NAME });

/** What the handler is built from. */
export interface IngestHandlerOptions {
  readonly tenant: TenantConfig;
  readonly delivery: RecordDelivery;
  readonly logger?: Logger;
  /** Delivery budget per request; defaults to DELIVERY_DEADLINE_MS. */
  readonly deliveryDeadlineMs?: number;
  /** Where Idempotency-Key records are kept (or how to make the store on first use); without it a post with the header answers 500. */
  readonly idempotency?: IdempotencyStoreSource;
  /** Where webhook streams' secrets come from (Secrets Manager on AWS, local secrets in local mode). */
  readonly webhookSecrets?: SecretReader;
  /** Where the request and delivery metrics go; default nowhere. */
  readonly metrics?: MetricsRecorder;
  /** Called once per request after its metrics were recorded (the EMF recorder's publish). */
  readonly publishMetrics?: () => void;
  /**
   * Writes the `records accepted` line of a request; by default the logger's info line. On AWS
   * the request's EMF line carries it, so that a request writes one line (create-aws-ingest-handler.ts).
   */
  readonly logAccepted?: (fields: AcceptedLine, context: Context) => void;
}

/** The fields of the `records accepted` line (docs/contract.md, Logs). */
export interface AcceptedLine {
  readonly status: 202;
  readonly stream: string;
  readonly records: number;
  readonly rejected: number;
  readonly receipt: string;
  readonly request_id: string;
}

/** Only the ingest routes take keys: a dry run (or any other route) neither uses nor holds one. */
function takesIdempotencyKey(event: APIGatewayProxyEventV2WithJWTAuthorizer): boolean {
  return event.routeKey?.startsWith(`POST ${INGEST_PATH_PREFIX}`) === true;
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

/**
 * Puts the invocation's Lambda context (request id, function name, cold start) on every line
 * the logger writes for it. Not Powertools' injectLambdaContext: it also recomputes debug
 * sampling and resets appended keys (this function uses neither), reading process.env several
 * times a request, and can log the event, which holds the bearer token.
 */
function lambdaContextOnLogLines(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2> {
  return {
    before: (request) => {
      logger.addContext(request.context);
    },
  };
}

/** Builds the ingest handler for API Gateway HTTP API payload-format-2.0 events. */
export function createIngestHandler(options: IngestHandlerOptions) {
  const logger = options.logger ?? defaultLogger;
  const configuredMs = options.deliveryDeadlineMs ?? DELIVERY_DEADLINE_MS;
  const idempotent = options.idempotency
    ? lazyIdempotentAnswers(options.tenant, options.idempotency, logger)
    : undefined;
  const metrics = options.metrics ?? NO_METRICS;
  const logAccepted =
    options.logAccepted ?? ((fields: AcceptedLine) => logger.info(RECORDS_ACCEPTED_MESSAGE, { ...fields }));
  const delivery = new MeteredDelivery(options.delivery, metrics, options.tenant.tenant);
  return (
    middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
      // Used first, so that its after and onError run last and count the answer the client gets.
      .use(requestMetrics(metrics, options.tenant, options.publishMetrics))
      // middy runs onError handlers in reverse order: the problem responder answers after every
      // middleware used after it, and only requestMetrics (which answers nothing) runs later.
      .use(problemResponder(logger))
      .use(lambdaContextOnLogLines(logger))
      // Webhook streams have no JWT authorizer: their signature is checked before anything else.
      .use(webhookAuthentication({ tenant: options.tenant, secrets: options.webhookSecrets ?? NO_SECRET_READER }))
      .handler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => {
        const request = toIngestRequest(event, context);
        if (request.dryRun) return answerDryRun(request, options.tenant, logger);
        const answer = async (keyed?: KeyedWork) => {
          const deadlineAt = Date.now() + deliveryBudgetMs(configuredMs, context);
          const outcome = await ingest(request, {
            tenant: options.tenant,
            delivery,
            logger,
            deadlineAt,
            keyedAnswer: keyed && ((accepted) => ({ ...keyed, answer: acceptedResponse(accepted) })),
          });
          const rejected = outcome.batch?.rejected.length ?? 0;
          if (rejected > 0) {
            metrics.count('RecordsRejected', { tenant: options.tenant.tenant, stream: outcome.stream }, rejected);
          }
          logAccepted(
            {
              status: 202,
              stream: outcome.stream,
              records: outcome.records,
              rejected,
              receipt: outcome.receipt,
              request_id: request.requestId,
            },
            context,
          );
          return acceptedResponse(outcome);
        };
        if (!takesIdempotencyKey(event)) return answer();
        if (idempotent) return idempotent(request, context, answer);
        // Never answer a keyed post as if it were safe to retry when nothing could hold its key.
        if (request.headers[IDEMPOTENCY_KEY_HEADER] !== undefined) {
          throw new InternalError('an Idempotency-Key arrived but the handler has no idempotency store');
        }
        return answer();
      })
  );
}
