import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { type IngestHandlerFactory, startDevServer } from '#local/dev-server';
import { loadTenant } from '#shared/config/tenant-loader';
import { DeadlineExceededError } from '#shared/contract/errors';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import { landedRecordsIn } from '../support/landed-records.ts';
import { post } from '../support/local-server.ts';
import { tempHome } from '../support/temp-home.ts';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real ingest handler over local mode's delivery, whose first `failures` deliveries time out. */
function timingOutFirst(failures: number): IngestHandlerFactory {
  return async (tenant, delivery, idempotency) => {
    let left = failures;
    const flaky: RecordDelivery = {
      deliver(batch: DeliveryBatch) {
        if (left-- > 0) return Promise.reject(new DeadlineExceededError('delivery did not finish in time'));
        return delivery.deliver(batch);
      },
    };
    const logger = new Logger({ serviceName: 'sluice-ingest-test', logLevel: 'SILENT' });
    return createIngestHandler({ tenant, delivery: flaky, logger, idempotency });
  };
}

async function start(
  options: { createHandler?: IngestHandlerFactory; home?: Awaited<ReturnType<typeof tempHome>> } = {},
) {
  const tenant = (await loadTenant()).config;
  const home = options.home ?? (await tempHome(tenant.tenant));
  const server = await startDevServer({
    tenant,
    home,
    port: 0,
    schedules: false,
    flushSeconds: 3600,
    ...(options.createHandler ? { createHandler: options.createHandler } : {}),
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  cleanups.push(async () => {
    await close();
    if (!options.home) await home.remove();
  });
  return { server, home, token: await server.createToken(), close };
}

const keyed = (token: string, key: string) => ({ token, headers: { 'idempotency-key': key } });

describe('Idempotency-Key over local mode', () => {
  it('lands once when a retry follows a 504, and replays the 202 to the next retry', async () => {
    const { server, token, home, close } = await start({ createHandler: timingOutFirst(1) });
    const key = randomUUID();
    const first = await post(server, 'events', '{"n":1}', keyed(token, key));
    const retry = await post(server, 'events', '{"n":1}', keyed(token, key));
    const again = await post(server, 'events', '{"n":1}', keyed(token, key));
    expect([first.status, retry.status, again.status]).toEqual([504, 202, 202]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await retry.json());
    await close();
    expect(await landedRecordsIn(home.s3, 'events')).toEqual(['{"n":1}']);
  });

  it('lands once when the client dropped the connection and posted again', async () => {
    const { server, token, home, close } = await start();
    const key = randomUUID();
    const body = '{"dropped":true}';
    await new Promise<void>((resolve) => {
      const url = new URL('/stream/v0/data/events', server.url);
      const dropped = request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': key,
        },
      });
      dropped.on('error', () => resolve());
      dropped.on('close', () => resolve());
      // Gone as soon as the body is sent: the client never sees an answer.
      dropped.end(body, () => dropped.destroy());
    });
    let retry = await post(server, 'events', body, keyed(token, key));
    for (let tries = 0; retry.status === 409 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, Number(retry.headers.get('retry-after') ?? 1) * 100));
      retry = await post(server, 'events', body, keyed(token, key));
    }
    expect(retry.status).toBe(202);
    const again = await post(server, 'events', body, keyed(token, key));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await close();
    expect(await landedRecordsIn(home.s3, 'events')).toEqual([body]);
  });

  it('lands 50 concurrent posts with one key once; each answer is the 202 or a 409 with Retry-After', async () => {
    const { server, token, home, close } = await start();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => post(server, 'events', '{"burst":1}', keyed(token, key))),
    );
    const bodies = await Promise.all(answers.map((answer) => answer.json() as Promise<Record<string, unknown>>));
    for (const [i, answer] of answers.entries()) {
      expect([202, 409]).toContain(answer.status);
      if (answer.status === 409) expect(answer.headers.get('retry-after')).toBe('1');
      else expect(bodies[i]?.receipt).toBe(bodies.find((_, j) => answers[j]?.status === 202)?.receipt);
    }
    await close();
    expect(await landedRecordsIn(home.s3, 'events')).toEqual(['{"burst":1}']);
  });

  it('answers 422 for the key with another body and 400 for a key that is too long or not ASCII', async () => {
    const { server, token } = await start();
    const key = randomUUID();
    expect((await post(server, 'events', '{"a":1}', keyed(token, key))).status).toBe(202);
    const other = await post(server, 'events', '{"a":2}', keyed(token, key));
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(((await other.json()) as { type: string }).type).toBe('urn:sluice:problem:idempotency-key-reused');
    const tooLong = await post(server, 'events', '{"a":3}', keyed(token, 'k'.repeat(256)));
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { type: string }).type).toBe('urn:sluice:problem:invalid-idempotency-key');
    const notAscii = await post(server, 'events', '{"a":4}', keyed(token, 'caf\u00e9'));
    expect(notAscii.status).toBe(400);
    const longest = await post(server, 'events', '{"a":5}', keyed(token, `${key}`.padEnd(255, 'k')));
    expect(longest.status).toBe(202);
  });

  it('still holds a key after local mode restarts on the same data', async () => {
    const home = await tempHome('example');
    cleanups.push(() => home.remove());
    const key = randomUUID();
    const before = await start({ home });
    const first = await post(before.server, 'events', '{"kept":1}', keyed(before.token, key));
    await before.close();
    const after = await start({ home });
    const replay = await post(after.server, 'events', '{"kept":1}', keyed(after.token, key));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(await first.json());
  });
});
