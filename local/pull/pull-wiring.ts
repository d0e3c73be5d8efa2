/**
 * Opens the pull side of a tenant on this machine: the embedded DynamoDB that keeps the state,
 * the local secrets and the runner, bound by local-pull.ts. The same state store code as on
 * AWS, on dynalite instead of DynamoDB; requests to the sample API's origin go to local mode's
 * sample API (sample-api-route.ts).
 */

import type { TenantConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';
import {
  type EmbeddedDynamoDb,
  embeddedDynamoDbDirectory,
  startEmbeddedDynamoDb,
} from '../embedded/embedded-dynamodb.ts';
import type { SluiceHome } from '../sluice-home.ts';
import { createLocalPull, type LocalPull, type LocalPullOptions } from './local-pull.ts';
import { LocalSecretReader } from './local-secrets.ts';
import { ownSampleApi, routeSampleApi } from './sample-api-route.ts';

/** The pull side of a tenant, and how to close its embedded DynamoDB. */
export type OpenLocalPull = LocalPull & { close(): Promise<void> };

/** Opens the pull side; its state lives under the tenant's data home, so only one process opens it at a time. */
export async function openLocalPull(options: {
  readonly tenant: TenantConfig;
  readonly home: SluiceHome;
  readonly delivery: RecordDelivery;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  /**
   * Base URL of a running server that serves the sample API (the dev server's); without it,
   * the first request to the sample API starts one of this process's own.
   */
  readonly sampleApiBase?: () => Promise<string>;
  readonly log?: LocalPullOptions['log'];
  /** The embedded DynamoDB a dev server already runs (it stays open); without it, one of this pull's own. */
  readonly database?: EmbeddedDynamoDb;
  /** Where runs record their metrics (the dev server's /metrics); default nowhere. */
  readonly metrics?: MetricsRecorder;
}): Promise<OpenLocalPull> {
  const own = options.database === undefined;
  const database = options.database ?? (await startEmbeddedDynamoDb(embeddedDynamoDbDirectory(options.home)));
  // Starts nothing until a source asks for the sample API without a dev server's.
  const ownSample = ownSampleApi();
  const sampleApiBase = options.sampleApiBase ?? ownSample.base;
  const pull = createLocalPull({
    tenant: options.tenant,
    store: database.stateStore(),
    secrets: new LocalSecretReader(options.tenant.tenant, options.home, options.env ?? process.env),
    delivery: options.delivery,
    fetch: routeSampleApi(sampleApiBase, options.fetch),
    ...(options.log ? { log: options.log } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    ...pull,
    async close() {
      pull.stop();
      await Promise.all([own ? database.close() : undefined, ownSample.close()]);
    },
  };
}
