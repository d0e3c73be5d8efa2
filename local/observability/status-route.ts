/**
 * The dev server's status route, for `sluice status`: `GET /_sluice/status` answers the
 * status of dev-status.ts as JSON. Like the pull routes it answers only on loopback and
 * only with the key of the server's 0600 state file: it shows the sources' runs, which the
 * pull routes keep to this user too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitAdminRequest, answerJson } from '../admin-route.ts';
import type { DevStatus } from './dev-status.ts';

/** Path of the status route. */
export const STATUS_ROUTE_PATH = '/_sluice/status';

/** The route, reading the status from `collect` at each request. */
export function createStatusRoute(options: {
  readonly key: string;
  readonly collect: () => Promise<DevStatus>;
}): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const admitted = admitAdminRequest(request, response, options.key, {
      notLoopback: 'the status route answers only on loopback',
      wrongKey: 'the status route needs the key in the dev server state file (sluice status uses it)',
    });
    if (!admitted) return;
    if (request.method !== 'GET') {
      answerJson(response, 405, { message: `try GET ${STATUS_ROUTE_PATH}` });
      return;
    }
    options.collect().then(
      (status) => answerJson(response, 200, status),
      (error: unknown) => answerJson(response, 503, { message: `cannot read the status: ${(error as Error).message}` }),
    );
  };
}
