/**
 * A stand-in for the ingest handler, for testing the gateway and delivery on their own:
 * it records the events it gets, delivers each body as one NDJSON record, and answers
 * 202 (or what the test asks for).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IngestHandlerFactory } from '#local/dev-server';
import type { IngestHandler } from '#local/gateway/gateway';

/** The stub and what it saw. */
export interface StubHandler {
  readonly factory: IngestHandlerFactory;
  readonly events: APIGatewayProxyEventV2WithJWTAuthorizer[];
  /** Replaces the answer of the next calls. */
  answer: ((event: APIGatewayProxyEventV2WithJWTAuthorizer) => APIGatewayProxyStructuredResultV2) | undefined;
}

/** Makes a stub handler. */
export function stubIngestHandler(): StubHandler {
  const stub: StubHandler = {
    events: [],
    answer: undefined,
    factory: async (_tenant, delivery) => {
      const handler: IngestHandler = async (event, context) => {
        stub.events.push(event);
        if (stub.answer) return stub.answer(event);
        const text = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
        const record = Buffer.from(`${JSON.stringify(JSON.parse(text))}\n`);
        await delivery.deliver({
          streamId: event.pathParameters?.streamId ?? '',
          channel: 'records',
          records: [record],
          deadlineAt: Date.now() + context.getRemainingTimeInMillis(),
        });
        return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"accepted"}' };
      };
      return handler;
    },
  };
  return stub;
}
