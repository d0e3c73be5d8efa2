/**
 * The DynamoDB client's transport to the embedded DynamoDB's own thread: each request goes to
 * dynalite by message instead of over a loopback socket. The SDK still serializes, signs,
 * retries and parses every call as on AWS; only the bytes skip the socket, whose writes and
 * reads cost the gateway's thread about a millisecond per call on this machine, twice per
 * Idempotency-Key post.
 */
import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { HttpRequest, HttpResponse, RequestHandler, RequestHandlerOutput } from '@smithy/types';

/** A request as the thread takes it (`embedded-dynamodb-worker.mjs`). */
export interface InThreadRequest {
  readonly type: 'request';
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** dynalite's answer as the thread posts it back. */
export interface InThreadResponse {
  readonly type: 'response';
  readonly id: number;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Pending {
  resolve(output: RequestHandlerOutput<HttpResponse>): void;
  reject(error: Error): void;
}

function requestUrl(request: HttpRequest): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, one ?? '');
  }
  const text = query.toString();
  return text ? `${request.path}?${text}` : request.path;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // By its memory: the SDK's JSON bodies are Uint8Arrays whose valueOf (which Buffer.from(body)
  // calls) warns that it is deprecated.
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new Error('the embedded DynamoDB takes string or byte bodies only');
}

/** A request handler for DynamoDB clients of the embedded DynamoDB that runs in `worker`. */
export function inThreadDynamoDbHandler(worker: Worker): RequestHandler<HttpRequest, HttpResponse> {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  worker.on('message', (message: InThreadResponse | { type?: undefined }) => {
    if (message.type !== 'response') return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    waiting?.resolve({
      response: {
        statusCode: message.statusCode,
        headers: message.headers,
        // A stream, as the SDK's Node handler gives: a bare buffer makes its JSON codec warn.
        body: Readable.from([Buffer.from(message.body, 'utf8')]),
      },
    });
  });
  worker.once('exit', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('the embedded DynamoDB has stopped'));
    pending.clear();
  });
  return {
    metadata: { handlerProtocol: 'h1' },
    handle(request, options?: { abortSignal?: AbortSignal }) {
      const signal = options?.abortSignal;
      if (signal?.aborted) return Promise.reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      nextId += 1;
      const id = nextId;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const message: InThreadRequest = {
        type: 'request',
        id,
        method: request.method,
        url: requestUrl(request),
        headers,
        body: bodyText(request.body),
      };
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          pending.delete(id);
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (output) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(output);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        });
        worker.postMessage(message);
      });
    },
  };
}
