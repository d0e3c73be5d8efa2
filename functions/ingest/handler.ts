/**
 * The AWS entry of the ingest function. The stack generates, per tenant,
 * `import tenant from '<tenants/x.ts>'; export const handler = createAwsIngestHandler(tenant);`
 * so everything here runs once per cold start.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { AwsDelivery, type AwsDeliveryClients } from '#shared/delivery/aws-delivery';
import { type DeliveryBindings, parseDeliveryBindings } from '#shared/delivery/delivery-bindings';
import { ENV } from '#shared/environment';
import type { TenantConfig } from '#shared/tenant-config';
import { createIngestHandler } from './create-ingest-handler.ts';

let clients: AwsDeliveryClients | undefined;

/** The SDK clients, created once per process. Standard retry mode retries whole calls that were throttled or failed. */
function awsClients(): AwsDeliveryClients {
  clients ??= {
    firehose: new FirehoseClient({ retryMode: 'standard', maxAttempts: 3 }),
    kinesis: new KinesisClient({ retryMode: 'standard', maxAttempts: 3 }),
  };
  return clients;
}

function assertEveryStreamBound(tenant: TenantConfig, bindings: DeliveryBindings): void {
  const missing = Object.values(tenant.streams).flatMap((stream) => {
    const binding = Object.hasOwn(bindings, stream.id) ? bindings[stream.id] : undefined;
    if (binding === undefined) return [`${stream.id}.records`];
    return stream.deadLetter && binding.deadLetter === undefined ? [`${stream.id}.deadLetter`] : [];
  });
  if (missing.length > 0) throw new Error(`${ENV.deliveryTargets} has no target for ${missing.join(', ')}`);
}

/** The ingest handler on AWS: delivery targets from ENV.deliveryTargets, clients created once. */
export function createAwsIngestHandler(tenant: TenantConfig) {
  const bindings = parseDeliveryBindings(process.env[ENV.deliveryTargets]);
  assertEveryStreamBound(tenant, bindings);
  return createIngestHandler({ tenant, delivery: new AwsDelivery(awsClients(), bindings) });
}
