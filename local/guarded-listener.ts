/**
 * A request listener that no route can turn into the end of the process: an error a route did
 * not expect (thrown, or rejected by the promise it returns) answers a 500 problem response and
 * logs one line, instead of reaching Node's `uncaughtException` and stopping the dev server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE } from '#shared/contract/contract';
import { InternalError, problemType } from '#shared/contract/errors';

/** A request listener as `http.Server` calls it; it may return a promise. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

const internal = new InternalError('unexpected');

/** The fixed body of the answer: it quotes nothing of the request or of the error. */
const UNEXPECTED_PROBLEM = JSON.stringify({
  type: problemType(internal.slug),
  title: internal.title,
  status: internal.status,
  detail: 'The dev server failed on this request; its log has the cause.',
});

function answerUnexpected(
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
  log: (line: string) => void,
): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // One line: the method and the path without its query (which may carry a token), and the cause.
  const path = (request.url ?? '').split('?')[0];
  log(`${request.method ?? '?'} ${path} failed unexpectedly: ${reason.replaceAll(/\s+/g, ' ')}`);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(internal.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(UNEXPECTED_PROBLEM),
  });
  response.end(UNEXPECTED_PROBLEM);
}

/** `listener`, with every unexpected error answered 500 and logged through `log`. */
export function guardedListener(listener: RequestListener, log: (line: string) => void): RequestListener {
  return (request, response) => {
    try {
      const result = listener(request, response);
      if (result instanceof Promise) result.catch((error: unknown) => answerUnexpected(request, response, error, log));
    } catch (error) {
      answerUnexpected(request, response, error, log);
    }
  };
}
