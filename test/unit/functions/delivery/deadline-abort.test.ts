/**
 * The delivery deadline against a real FirehoseClient over HTTP: when it passes, the request
 * in flight is closed and no retry of the SDK starts. The signal the SDK is given is not a
 * platform AbortSignal (functions/delivery/deadline.ts), so this is what shows the SDK still
 * honours it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterEach, describe, expect, it } from 'vitest';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { DeadlineExceededError } from '#shared/contract/errors';
import { parseDeliveryBindings } from '#shared/ports/delivery-bindings';

const bindings = parseDeliveryBindings(JSON.stringify({ s: { records: { kind: 'firehose', name: 's-fh' } } }));
const record = new TextEncoder().encode('{"n":1}\n');

let server: Server | undefined;

/** A Firehose endpoint on loopback that answers with `answer`; resolves with its URL. */
async function fakeFirehose(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(answer);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A delivery over a real client; `settled` is when the SDK's own call last settled (not the deadline's race). */
function delivery(
  endpoint: string,
  retryWaitMs = 0,
): { delivery: FirehoseDelivery; settled: () => number | undefined } {
  const client = new FirehoseClient({
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    retryStrategy: new ConfiguredRetryStrategy(3, () => retryWaitMs),
  });
  let settledAt: number | undefined;
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { send: typeof send }).send = (...args) =>
    send(...args).finally(() => {
      settledAt = Date.now();
    });
  return { delivery: new FirehoseDelivery(client, bindings), settled: () => settledAt };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('the delivery deadline with a real SDK client', () => {
  it('closes the request in flight when the deadline passes', async () => {
    let closed: () => void = () => {};
    const requestClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    // Takes the request and never answers.
    const endpoint = await fakeFirehose((request) => request.socket.once('close', closed));
    const delivered = delivery(endpoint).delivery.deliver({
      streamId: 's',
      channel: 'records',
      records: [record],
      deadlineAt: Date.now() + 150,
    });
    await expect(delivered).rejects.toBeInstanceOf(DeadlineExceededError);
    const notClosed = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 2_000).unref());
    expect(await Promise.race([requestClosed.then(() => 'closed'), notClosed])).toBe('closed');
  });

  it('starts no retry after the deadline passed during the wait before it', async () => {
    let requests = 0;
    const endpoint = await fakeFirehose((_request, response) => {
      requests += 1;
      response
        .writeHead(503, { 'content-type': 'application/x-amz-json-1.1' })
        .end('{"__type":"ServiceUnavailableException","message":"slow down"}');
    });
    const started = Date.now();
    // The SDK would wait 400 ms before its second attempt; the deadline passes 100 ms in.
    const { delivery: sdkDelivery, settled } = delivery(endpoint, 400);
    const delivered = sdkDelivery.deliver({
      streamId: 's',
      channel: 'records',
      records: [record],
      deadlineAt: started + 100,
    });
    await expect(delivered).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(requests).toBe(1);
    // The SDK's own call ended at the deadline: its wait was cut short, not slept out.
    await new Promise((resolve) => setImmediate(resolve));
    expect((settled() ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(300);
    // Past the moment the SDK would have sent its second attempt.
    await new Promise((resolve) => setTimeout(resolve, started + 700 - Date.now()));
    expect(requests).toBe(1);
  });
});
