/**
 * The dev server's status route, for `sluice status`: `GET /_sluice/status` answers the
 * status of dev-status.ts as JSON. Like the pull routes it answers only on loopback and
 * only with the key of the server's 0600 state file: it shows the sources' runs, which the
 * pull routes keep to this user too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DevStatus } from './dev-status.ts';
import { keyMatches, LOOPBACK } from './pull-admin-route.ts';

/** Path of the status route. */
export const STATUS_ROUTE_PATH = '/_sluice/status';

function answer(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** The route, reading the status from `collect` at each request. */
export function createStatusRoute(options: {
  readonly key: string;
  readonly collect: () => Promise<DevStatus>;
}): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      answer(response, 403, { message: 'the status route answers only on loopback' });
      return;
    }
    if (!keyMatches(request.headers.authorization, options.key)) {
      answer(response, 401, {
        message: 'the status route needs the key in the dev server state file (sluice status uses it)',
      });
      return;
    }
    if (request.method !== 'GET') {
      answer(response, 405, { message: `try GET ${STATUS_ROUTE_PATH}` });
      return;
    }
    options.collect().then(
      (status) => answer(response, 200, status),
      (error: unknown) => answer(response, 503, { message: `cannot read the status: ${(error as Error).message}` }),
    );
  };
}
