/** Middy error middleware: logs the failure and answers with the problem response. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { requestIdOf } from './ingest-request.ts';
import { asSluiceError, problemResponse } from './problem-response.ts';

/** Turns any error of the chain into its problem response; use it first so that its onError runs last. */
export function problemResponder(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2> {
  return {
    name: 'problemResponder',
    onError: (request) => {
      const error = asSluiceError(request.error);
      const requestId = requestIdOf(request.event, request.context);
      const fields = {
        status: error.status,
        problem: error.slug,
        request_id: requestId,
        stream: request.event.pathParameters?.streamId,
      };
      if (error.status >= 500) logger.error('request failed', { ...fields, error: request.error });
      else logger.info('request refused', { ...fields, detail: error.message });
      request.response = problemResponse(error, requestId);
    },
  };
}
