/**
 * The ingest handler over AWS delivery: the Firehose client, and the Kinesis route when the
 * bundle has one. handler.ts calls it once per cold start; tests call it with their tenant.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { EmfMetricsRecorder } from '#functions/metrics/emf-metrics-recorder';
import type { KinesisRouteFactory } from '#functions/shared/kinesis-route';
import { SecretsManagerReader } from '#functions/shared/secrets-manager-reader';
import type { TenantConfig } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { type DeliveryBindings, parseDeliveryBindings } from '#shared/ports/delivery-bindings';
import {
  createIngestHandler,
  INGEST_SERVICE_NAME,
  type IngestHandlerOptions,
  RECORDS_ACCEPTED_MESSAGE,
} from './create-ingest-handler.ts';

/**
 * How long a webhook secret is reused: every webhook post needs its stream's secret, while a
 * rotation (a second line in the value, docs/webhooks.md) must reach every function within a minute.
 */
export const WEBHOOK_SECRET_MAX_AGE_MS = 60_000;

let firehoseClient: FirehoseClient | undefined;
let dynamoDbClient: DynamoDBClient | undefined;

/** The DynamoDB client of the Idempotency-Key table, imported on the first keyed post (lazy-idempotent-answers.ts). */
async function idempotencyClient(): Promise<DynamoDBClient> {
  if (dynamoDbClient) return dynamoDbClient;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  dynamoDbClient ??= new DynamoDBClient({ retryMode: 'standard', maxAttempts: 3 });
  return dynamoDbClient;
}

/**
 * How the function on AWS reports a request: its metrics as one EMF line per invocation, which
 * is also an accepted request's `records accepted` line, with Powertools Logger's names for
 * level, time, service and request id (docs/adr/0009-metrics-through-one-port-as-emf.md).
 */
export function emfRequestLines(): Pick<IngestHandlerOptions, 'metrics' | 'publishMetrics' | 'logAccepted'> {
  // EMF lines in the function's log: CloudWatch makes them metrics in namespace Sluice.
  const metrics = new EmfMetricsRecorder();
  return {
    metrics,
    publishMetrics: () => metrics.publish(),
    logAccepted: (fields, context) =>
      metrics.annotate({
        level: 'INFO',
        message: RECORDS_ACCEPTED_MESSAGE,
        timestamp: new Date().toISOString(),
        service: INGEST_SERVICE_NAME,
        function_request_id: context.awsRequestId,
        ...fields,
      }),
  };
}

function assertEveryStreamBound(tenant: TenantConfig, bindings: DeliveryBindings): void {
  const missing = Object.values(tenant.streams).flatMap((stream) => {
    const binding = Object.hasOwn(bindings, stream.id) ? bindings[stream.id] : undefined;
    if (binding === undefined) return [`${stream.id}.records`];
    return stream.deadLetter && binding.deadLetter === undefined ? [`${stream.id}.deadLetter`] : [];
  });
  if (missing.length > 0) throw new Error(`${ENV.deliveryTargets} has no target for ${missing.join(', ')}`);
}

/**
 * The ingest handler on AWS: delivery targets from ENV.deliveryTargets, the Idempotency-Key
 * table from ENV.idempotencyTable, the clients created once per process (standard retry mode
 * retries whole throttled or failed calls).
 */
export function createAwsIngestHandler(tenant: TenantConfig, kinesisRoute?: KinesisRouteFactory) {
  const bindings = parseDeliveryBindings(process.env[ENV.deliveryTargets]);
  assertEveryStreamBound(tenant, bindings);
  const idempotencyTable = process.env[ENV.idempotencyTable];
  // Every stream may take the header, so a missing table fails the init, not a client's retry.
  if (!idempotencyTable) throw new Error(`${ENV.idempotencyTable} is missing: the Idempotency-Key table's name`);
  firehoseClient ??= new FirehoseClient({ retryMode: 'standard', maxAttempts: 3 });
  const routes = {
    firehose: new FirehoseDelivery(firehoseClient, bindings),
    ...(kinesisRoute ? { kinesis: kinesisRoute(bindings) } : {}),
  };
  return createIngestHandler({
    tenant,
    delivery: new AwsDelivery(routes, bindings),
    idempotency: async () => ({ client: await idempotencyClient(), tableName: idempotencyTable }),
    webhookSecrets: new SecretsManagerReader({ maxAgeMs: WEBHOOK_SECRET_MAX_AGE_MS }),
    ...emfRequestLines(),
  });
}
