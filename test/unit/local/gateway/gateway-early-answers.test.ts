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
    const readAnswer = () => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [status = ''] = text.split('\r\n', 1);
        resolve({ status: Number(status.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
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
      expect(answer).toEqual({ status: 413, body: '{"message":"Request Entity Too Large"}' });
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
      expect(answer).toEqual({ status: 413, body: '{"message":"Request Entity Too Large"}' });
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
      expect(answer).toEqual({ status: 404, body: '{"message":"Not Found"}' });
    }
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
