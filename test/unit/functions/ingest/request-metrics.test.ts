import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '#local/embedded/embedded-dynamodb';
import { validatePath } from '#shared/contract/contract';
import type { MetricsRecorder } from '#shared/ports/metrics';
import exampleTenant from '#tenants/example';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { capturedLogger, type EventOptions, ingestEvent, lambdaContext, RecordingDelivery } from './ingest-fixtures.ts';

let home: Awaited<ReturnType<typeof tempHome>>;
let database: EmbeddedDynamoDb;

beforeAll(async () => {
  home = await tempHome();
  database = await startEmbeddedDynamoDb(`${home.root}/dynamodb`);
});

afterAll(async () => {
  await database.close();
  await home.remove();
});

/** A recorder that adds up every count by metric name and stream. */
function countingRecorder() {
  const counts = new Map<string, number>();
  const recorder: MetricsRecorder = {
    count: (name, dimensions, value = 1) => {
      const key = `${name}/${(dimensions as { stream?: string }).stream}`;
      counts.set(key, (counts.get(key) ?? 0) + value);
    },
    observe: () => {},
  };
  return { recorder, count: (name: string, stream: string) => counts.get(`${name}/${stream}`) ?? 0 };
}

function harness() {
  const metrics = countingRecorder();
  const handler = createIngestHandler({
    tenant: exampleTenant,
    delivery: new RecordingDelivery(),
    logger: capturedLogger().logger,
    idempotency: { client: database.client(), tableName: database.idempotencyTable },
    metrics: metrics.recorder,
    webhookSecrets: { read: async () => "It's a Secret to Everybody" },
  });
  const post = (options: EventOptions) => handler(ingestEvent(options), lambdaContext());
  return { handler, post, metrics };
}

describe('the request metrics of the ingest handler', () => {
  it('counts an answer replayed for an Idempotency-Key, once per replay', async () => {
    const { post, metrics } = harness();
    const keyed = { stream: 'events', body: '{"a":1}', headers: { 'idempotency-key': `metrics-${Date.now()}` } };
    expect((await post(keyed)).statusCode).toBe(202);
    expect(metrics.count('IdempotentReplays', 'events')).toBe(0);
    expect((await post(keyed)).statusCode).toBe(202);
    expect((await post(keyed)).statusCode).toBe(202);
    expect(metrics.count('IdempotentReplays', 'events')).toBe(2);
    expect(metrics.count('Requests', 'events')).toBe(3);
  });

  it('counts a webhook post without its signature as a signature failure', async () => {
    const { post, metrics } = harness();
    const answer = await post({ stream: 'github', body: '{"zen":"Keep it logically awesome."}' });
    expect(answer.statusCode).toBe(401);
    expect(metrics.count('WebhookSignatureFailures', 'github')).toBe(1);
    expect(metrics.count('RecordsRejected', 'github')).toBe(0);
  });

  it('counts no rejected record for a dry run that a post would refuse', async () => {
    const { handler, metrics } = harness();
    const event = ingestEvent({ stream: 'orders', body: '{"order_id":1}' });
    const path = validatePath('orders');
    const dryRun = { ...event, routeKey: `POST ${path}`, rawPath: path };
    const answer = await handler(dryRun, lambdaContext());
    expect(answer.statusCode).toBe(400);
    expect(metrics.count('Requests', 'orders')).toBe(1);
    expect(metrics.count('RecordsRejected', 'orders')).toBe(0);
  });
});
