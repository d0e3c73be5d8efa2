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

/** A recorder that adds up every count by metric name, stream and (when given) status class. */
function countingRecorder() {
  const counts = new Map<string, number>();
  const recorder: MetricsRecorder = {
    count: (name, dimensions, value = 1) => {
      const { stream, status_class: statusClass } = dimensions as { stream?: string; status_class?: string };
      for (const key of [`${name}/${stream}`, `${name}/${stream}/${statusClass}`]) {
        counts.set(key, (counts.get(key) ?? 0) + value);
      }
    },
    observe: () => {},
  };
  return {
    recorder,
    count: (name: string, stream: string, statusClass?: string) =>
      counts.get(statusClass ? `${name}/${stream}/${statusClass}` : `${name}/${stream}`) ?? 0,
  };
}

/** The event of a dry run: the stream's validate route. */
function dryRunEvent(options: EventOptions) {
  const path = validatePath(options.stream ?? 'events');
  return { ...ingestEvent(options), routeKey: `POST ${path}`, rawPath: path };
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

  it('counts a dry run that a post would refuse as a 4xx dry run, with no request and no rejected record', async () => {
    const { handler, metrics } = harness();
    const answer = await handler(dryRunEvent({ stream: 'orders', body: '{"order_id":1}' }), lambdaContext());
    expect(answer.statusCode).toBe(400);
    expect(metrics.count('DryRuns', 'orders', '4xx')).toBe(1);
    expect(metrics.count('Requests', 'orders')).toBe(0);
    expect(metrics.count('RecordsRejected', 'orders')).toBe(0);
  });

  it('counts a passing dry run of a batch as a 2xx dry run, with no request and none of its rejected entries', async () => {
    const { handler, metrics } = harness();
    const event = dryRunEvent({ stream: 'events', body: '{"n":1}\n[2]\n', contentType: 'application/x-ndjson' });
    const answer = await handler(event, lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(metrics.count('DryRuns', 'events', '2xx')).toBe(1);
    expect(metrics.count('Requests', 'events')).toBe(0);
    expect(metrics.count('RecordsRejected', 'events')).toBe(0);
  });
});
