/**
 * An answer written before the request's body was read (a 413 on its declared length, a 401, a
 * 404, a 429). Node closes a `Connection: close` socket as soon as the answer is written; the
 * body bytes still arriving then make the kernel reset the connection, and a client that reads
 * only after sending its whole body (many HTTP libraries do) loses the answer to the reset. So
 * the answer is written in full, the body is read and dropped until it ends, and only then is
 * the answer ended: the connection then serves the next request when the body had a declared
 * length within the bound, and is closed otherwise. A client that keeps sending past a bound of
 * bytes or time is cut off, as nginx's lingering close does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GATEWAY_PAYLOAD_LIMIT_BYTES, type GatewayResponse } from './gateway-responses.ts';

/** At most this many body bytes are read and dropped after an early answer: any refused body up to twice the payload limit ends cleanly. */
export const EARLY_ANSWER_DRAIN_BYTES = 2 * GATEWAY_PAYLOAD_LIMIT_BYTES;
/** At most this long is a refused body read after the answer (nginx's lingering_time is 30 s). */
export const EARLY_ANSWER_DRAIN_MS = 10_000;

/** Whether the request's body has been read to its end (an answer now needs no drain). */
export function bodyRead(request: IncomingMessage): boolean {
  return request.complete || request.readableEnded;
}

/** Writes `result` while the body is unread, then drains the body within the bounds before closing the connection. */
export function answerBeforeBody(
  request: IncomingMessage,
  response: ServerResponse,
  result: GatewayResponse,
  headers: Record<string, string>,
): void {
  const body = Buffer.from(result.body, 'utf8');
  // A body of a declared length within the bound is read to its end, after which the connection
  // can serve the client's next request; any other is closed after the drain.
  const declared = Number(request.headers['content-length']);
  const drainable =
    request.headers['transfer-encoding'] === undefined &&
    Number.isFinite(declared) &&
    declared <= EARLY_ANSWER_DRAIN_BYTES;
  response.writeHead(result.statusCode, {
    ...result.headers,
    ...headers,
    'content-length': String(body.byteLength),
    ...(drainable ? {} : { connection: 'close' }),
  });
  // The whole answer goes out now; `end` (which closes the connection) waits for the drain.
  response.write(body);
  let drained = 0;
  // Ends the answer, which closes the connection; `cut` resets it instead (a client past the bounds).
  const finish = (cut: boolean) => {
    clearTimeout(timer);
    request.removeListener('data', count);
    if (cut) response.destroy();
    else if (!response.writableEnded) response.end();
  };
  const close = () => finish(false);
  const count = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > EARLY_ANSWER_DRAIN_BYTES) finish(true);
  };
  const timer = setTimeout(() => finish(true), EARLY_ANSWER_DRAIN_MS);
  timer.unref();
  request.on('data', count);
  request.once('end', close);
  request.once('close', close);
  request.resume();
}
