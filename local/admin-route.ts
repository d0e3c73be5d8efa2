/**
 * What the dev server's admin routes (pull, delivery, status) share: they answer only on
 * loopback and only with the key of the server's 0600 state file, and they answer in JSON.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Addresses of this machine: the admin routes answer only them. */
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether an `Authorization: Bearer` header carries the admin routes' key (compared in constant time). */
function keyMatches(header: string | undefined, key: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Ends the response with `body` as JSON. */
export function answerJson(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Whether a request may use an admin route; if not, it has been answered 403 (not loopback)
 * or 401 (not the key) with the route's own message.
 */
export function admitAdminRequest(
  request: IncomingMessage,
  response: ServerResponse,
  key: string,
  refusal: { readonly notLoopback: string; readonly wrongKey: string },
): boolean {
  if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
    answerJson(response, 403, { message: refusal.notLoopback });
    return false;
  }
  if (!keyMatches(request.headers.authorization, key)) {
    answerJson(response, 401, { message: refusal.wrongKey });
    return false;
  }
  return true;
}
