/**
 * An HTTP proxy in front of a dev server that injects the faults a client must survive: an answer
 * of its own (409, 429, 5xx), a reset connection, a request that lands but whose answer is lost,
 * or a request held until the test releases it. Every ingest request it sees is logged.
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one ingest request. */
export type Fault =
  | { readonly status: number; readonly headers?: Record<string, string> }
  | 'reset'
  | 'lose-answer'
  | { readonly hold: Promise<void> };

/** An ingest request the proxy saw. */
export interface SeenRequest {
  readonly path: string;
  readonly key: string | undefined;
  readonly body: Buffer;
  readonly fault: Fault | undefined;
}

/** A running proxy. */
export interface FaultProxy {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Queues faults for the next ingest requests, one each. */
  fail(...faults: Fault[]): void;
  /** Resolves when the proxy has seen `count` ingest requests in all. */
  requests(count: number): Promise<void>;
  close(): Promise<void>;
}

async function bodyOf(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy to `target` on a free port of 127.0.0.1. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults: Fault[] = [];
  const seen: SeenRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer(async (incoming, outgoing) => {
    const body = await bodyOf(incoming);
    const ingest = incoming.method === 'POST' && (incoming.url ?? '').startsWith('/stream/');
    const fault = ingest ? faults.shift() : undefined;
    if (ingest) {
      const key = incoming.headers['idempotency-key'];
      seen.push({ path: incoming.url ?? '', key: typeof key === 'string' ? key : undefined, body, fault });
      for (const waiter of waiters.filter((candidate) => seen.length >= candidate.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    if (fault === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (fault && typeof fault === 'object' && 'status' in fault) {
      outgoing.writeHead(fault.status, { 'content-type': 'application/problem+json', ...fault.headers });
      outgoing.end(JSON.stringify({ status: fault.status, title: 'injected by the test proxy' }));
      return;
    }
    if (fault && typeof fault === 'object' && 'hold' in fault) await fault.hold;
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      async (answer) => {
        const answerBody = await bodyOf(answer);
        if (fault === 'lose-answer') {
          incoming.socket.destroy();
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.end(answerBody);
      },
    );
    forwarded.on('error', () => incoming.socket.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    fail: (...more) => {
      faults.push(...more);
    },
    requests: (count) =>
      seen.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
