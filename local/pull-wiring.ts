/**
 * Opens the pull side of a tenant on this machine: the embedded DynamoDB that keeps the state
 * (local/embedded-dynamodb.ts), the local secrets (local/local-secrets.ts) and the runner
 * (functions/pull/run-pull.ts), bound by local-pull.ts. Those three modules are written in
 * parallel with this one, so they are imported by name at run time, only for tenants that
 * have sources; the imports become static once they are all on main.
 */
import type { RecordDelivery } from '#shared/delivery/delivery-port';
import type { PullStateStore, SecretReader } from '#shared/pull-run';
import type { TenantConfig } from '#shared/tenant-config';
import { createLocalPull, type LocalPull, type LocalPullOptions, type PullSliceRunner } from './local-pull.ts';
import type { SluiceHome } from './sluice-home.ts';

const RUNNER_MODULE = '#functions/pull/run-pull';
const DYNAMODB_MODULE = '#local/embedded-dynamodb';
const SECRETS_MODULE = '#local/local-secrets';

interface EmbeddedStateStore {
  stateStore(): PullStateStore;
  close(): Promise<void>;
}

/** The pull side of a tenant, and how to close its embedded DynamoDB. */
export type OpenLocalPull = LocalPull & { close(): Promise<void> };

/** Opens the pull side; its state lives under the tenant's data home, so only one process opens it at a time. */
export async function openLocalPull(options: {
  readonly tenant: TenantConfig;
  readonly home: SluiceHome;
  readonly delivery: RecordDelivery;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: LocalPullOptions['log'];
}): Promise<OpenLocalPull> {
  const { runPullSlice } = (await import(RUNNER_MODULE)) as { runPullSlice: PullSliceRunner };
  const dynamodb = (await import(DYNAMODB_MODULE)) as {
    embeddedDynamoDbDirectory(home: Pick<SluiceHome, 'root'>): string;
    startEmbeddedDynamoDb(directory: string, port?: number): Promise<EmbeddedStateStore>;
  };
  const secrets = (await import(SECRETS_MODULE)) as {
    LocalSecretReader: new (options: { home: SluiceHome; env: NodeJS.ProcessEnv }) => SecretReader;
  };
  const database = await dynamodb.startEmbeddedDynamoDb(dynamodb.embeddedDynamoDbDirectory(options.home));
  const pull = createLocalPull({
    tenant: options.tenant,
    store: database.stateStore(),
    secrets: new secrets.LocalSecretReader({ home: options.home, env: options.env ?? process.env }),
    delivery: options.delivery,
    runSlice: runPullSlice,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    ...pull,
    async close() {
      pull.stop();
      await database.close();
    },
  };
}
