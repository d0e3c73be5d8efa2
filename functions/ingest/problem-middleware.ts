/** Middy error middleware: logs the failure and answers with the problem response. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { asSluiceError, problemResponse } from '#functions/shared/problem-response';
import type { SluiceError } from '#shared/contract/errors';
import { boundedText, MAX_DETAIL_BYTES } from '#shared/contract/quoted-input';
import { requestIdOf } from './ingest-request.ts';

/**
 * Logs a request's contract error: `request failed` with the cause for 5xx, `request refused`
 * otherwise. The detail and the stream id may quote what the client sent, so they are bounded
 * as the answer's are: one bad request writes one short line.
 */
export function logProblem(
  logger: Logger,
  error: SluiceError,
  cause: unknown,
  requestId: string,
  stream: string | undefined,
): void {
  const fields = {
    status: error.status,
    problem: error.slug,
    request_id: requestId,
    stream: stream === undefined ? undefined : boundedText(stream),
  };
  if (error.status >= 500) logger.error('request failed', { ...fields, error: cause });
  else logger.info('request refused', { ...fields, detail: boundedText(error.message, MAX_DETAIL_BYTES) });
}

/** Turns any error of the chain into its problem response; use it first so that its onError runs last. */
export function problemResponder(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2> {
  return {
    name: 'problemResponder',
    onError: (request) => {
      const error = asSluiceError(request.error);
      const requestId = requestIdOf(request.event, request.context);
      logProblem(logger, error, request.error, requestId, request.event.pathParameters?.streamId);
      request.response = problemResponse(error, requestId);
    },
  };
}
