import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '#local/dev-server';
import { EARLY_ANSWER_DRAIN_BYTES } from '#local/gateway/early-answer';
import { GATEWAY_PAYLOAD_LIMIT_BYTES } from '#local/gateway/gateway-responses';
import { defineTenant } from '#shared/config/tenant-config';
import { stubIngestHandler } from '../../../e2e/support/stub-ingest-handler.ts';
import { tempHome } from '../../../e2e/support/temp-home.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  throttle: { rate: 1000, burst: 1000 },
  streams: { orders: { payload: 'json' } },
});

const stub = stubIngestHandler();
let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let token: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, createHandler: stub.factory });
  token = await server.createToken();
});

afterAll(async () => {
  await server.close();
  await home.remove();
});

const CHUNK = Buffer.alloc(256 * 1024, 0x20);

interface Answer {
  readonly status: number;
  readonly body: string;
  /** Whether the answer said `Connection: close`. */
  readonly closes: boolean;
}

/**
 * Posts `size` body bytes in 256 KiB chunks over a plain socket and reads the answer only once
 * the whole body is sent, as many HTTP libraries do (Python's requests, for one). Rejects when
 * the connection is reset before that: the answer the server wrote is then lost to the client.
 */
function sendThenRead(path: string, size: number, headers: Record<string, string>): Promise<Answer> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('error', reject);
    const head = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`];
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    const chunked = headers['transfer-encoding'] === 'chunked';
    let sent = 0;
    // The answer is complete once its headers and `content-length` bytes of body are in: a
    // connection kept alive for the next request does not end.
    const readAnswer = () => {
      let received = Buffer.alloc(0);
      const complete = () => {
        const text = received.toString('latin1');
        const headEnd = text.indexOf('\r\n\r\n');
        if (headEnd === -1) return false;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1] ?? Number.NaN);
        const body = received.subarray(headEnd + 4);
        if (!(body.length >= length)) return false;
        const [status = ''] = text.split('\r\n', 1);
        const head = text.slice(0, headEnd).toLowerCase();
        resolve({
          status: Number(status.split(' ')[1]),
          body: body.subarray(0, length).toString('utf8'),
          closes: head.includes('\r\nconnection: close'),
        });
        socket.destroy();
        return true;
      };
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        complete();
      });
      socket.on('end', () => {
        if (!complete())
          reject(new Error(`the connection ended before a whole answer: ${received.toString('latin1')}`));
      });
    };
    const writeMore = () => {
      while (sent < size) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, size - sent));
        sent += piece.length;
        // One write per chunk, so that a full buffer never skips part of the framing.
        const flowing = socket.write(
          chunked
            ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
            : piece,
        );
        if (!flowing) {
          socket.once('drain', writeMore);
          return;
        }
      }
      if (chunked) socket.write('0\r\n\r\n');
      readAnswer();
    };
    writeMore();
  });
}

const OVER_LIMIT = GATEWAY_PAYLOAD_LIMIT_BYTES + CHUNK.length;

describe('an answer the gateway sends before it has read the body', () => {
  it('reaches the client as a 413 with its body, 20 times in a row, for a declared length over the payload limit', async () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const answer = await sendThenRead('/stream/v0/data/orders', OVER_LIMIT, {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(OVER_LIMIT),
      });
      expect(answer).toEqual({ status: 413, body: '{"message":"Request Entity Too Large"}', closes: false });
    }
    expect(stub.events).toHaveLength(0);
  });

  it('reaches the client as a 413 with its body for a chunked body that grows over the payload limit', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await sendThenRead('/stream/v0/data/orders', OVER_LIMIT, {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      });
      expect(answer).toEqual({ status: 413, body: '{"message":"Request Entity Too Large"}', closes: true });
    }
    expect(stub.events).toHaveLength(0);
  });

  it('reaches the client as a 401 with its body, 20 times in a row, for a large post without a token', async () => {
    const size = 4 * 1024 * 1024;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const answer = await sendThenRead('/stream/v0/data/orders', size, {
        'content-type': 'application/json',
        'content-length': String(size),
      });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Unauthorized' });
    }
  });

  it('reaches the client as a 404 with its body for a large post to an unknown stream', async () => {
    const size = 4 * 1024 * 1024;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await sendThenRead('/stream/v0/data/nope', size, {
        'content-type': 'application/json',
        'content-length': String(size),
      });
      expect(answer).toEqual({ status: 404, body: '{"message":"Not Found"}', closes: false });
    }
  });
});

describe('a connection after an early answer to a body of declared length', () => {
  it('serves the next request: the refused body was read to its end', async () => {
    const { hostname, port } = new URL(server.url);
    const size = 4 * 1024 * 1024;
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let received = '';
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('{"status":"ok"}')) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('end', () => resolve(received));
      socket.write(`POST /stream/v0/data/orders HTTP/1.1\r\nhost: ${hostname}\r\ncontent-length: ${size}\r\n\r\n`);
      socket.write(Buffer.alloc(size, 0x20));
      socket.write(`GET /health HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`);
    });
    expect(answers.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 401', 'HTTP/1.1 200']);
  });
});

describe('a client that keeps sending after an early answer', () => {
  it(`gets the 413 and is cut off once ${EARLY_ANSWER_DRAIN_BYTES} more bytes came`, async () => {
    const declared = 1024 * 1024 * 1024;
    const { hostname, port } = new URL(server.url);
    const outcome = await new Promise<{ answer: string; sent: number }>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      const received: Buffer[] = [];
      let sent = 0;
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      // The connection's end is the outcome: the server stopped reading what was left.
      socket.on('error', () => {});
      socket.on('close', () => resolve({ answer: Buffer.concat(received).toString('utf8'), sent }));
      socket.write(
        `POST /stream/v0/data/orders HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${token}\r\ncontent-length: ${declared}\r\n\r\n`,
      );
      const writeMore = () => {
        while (sent < declared && !socket.destroyed) {
          sent += CHUNK.length;
          if (!socket.write(CHUNK)) {
            socket.once('drain', writeMore);
            return;
          }
        }
      };
      writeMore();
    });
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(outcome.answer).toContain('{"message":"Request Entity Too Large"}');
    expect(outcome.sent).toBeGreaterThan(EARLY_ANSWER_DRAIN_BYTES);
    expect(outcome.sent).toBeLessThan(declared);
  });
});
