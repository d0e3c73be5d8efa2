/**
 * `sluice dev` as a library: the embedded S3, the Firehose emulation (replaying journals
 * left by an earlier run), the local issuer and the gateway in front of the ingest handler.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import type { IdempotencyStore } from '#functions/ingest/idempotency/idempotent-answers';
import { createKeyCompletions, SavedAnswers } from '#functions/ingest/idempotency/key-completions';
import type { TenantConfig } from '#shared/config/tenant-config';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';
import type { SecretReader } from '#shared/pull/pull-run';
import { publicJwks, type SigningKeySet } from '#shared/tokens/signing-keys';
import { selfIssuerAudience } from '#shared/tokens/token-claims';
import {
  type EmbeddedDynamoDb,
  embeddedDynamoDbDirectory,
  startEmbeddedDynamoDb,
} from './embedded/embedded-dynamodb.ts';
import { createS3Client, startEmbeddedS3 } from './embedded/embedded-s3.ts';
import { createDeliverRoute, DELIVER_ROUTE } from './firehose/delivery-admin-route.ts';
import { type DeliveryLog, FirehoseEmulation, type ReplayedKeys } from './firehose/firehose-emulation.ts';
import { type AccessLogEntry, accessLogLine } from './gateway/access-log.ts';
import { createGateway, type IngestHandler } from './gateway/gateway.ts';
import { gracefulClose } from './gateway/graceful-close.ts';
import { createJwtAuthorizer } from './gateway/jwt-authorizer.ts';
import { guardedListener } from './guarded-listener.ts';
import { loadOrCreateKeySet, signLocalToken } from './local-issuer.ts';
import { createDevObservability } from './observability/dev-observability.ts';
import { LocalSecretReader } from './pull/local-secrets.ts';
import { createPullRoutes, PULL_ROUTE_PREFIX } from './pull/pull-admin-route.ts';
import { type PullScheduler, startPullScheduler } from './pull/pull-scheduler.ts';
import type { OpenLocalPull } from './pull/pull-wiring.ts';
import { createSampleApi, SAMPLE_API_PREFIX, SAMPLE_EVENTS_PATH } from './pull/sample-api.ts';
import { tenantSource, tenantSourceNames } from './pull/tenant-sources.ts';
import { describeConfigChanges, sourcesChanged } from './reload/config-changes.ts';
import { clearServerState, readServerState, writeServerState } from './server-state.ts';
import type { SluiceHome } from './sluice-home.ts';

/** Makes the ingest handler for a tenant, a delivery, the embedded DynamoDB's Idempotency-Key table, the local secrets and the server's metrics. */
export type IngestHandlerFactory = (
  tenant: TenantConfig,
  delivery: RecordDelivery,
  idempotency: IdempotencyStore,
  /** The tenant's local secrets, for webhook streams' signatures. */
  secrets?: SecretReader,
  /** Where the handler records its metrics (the server's /metrics and `sluice status`). */
  metrics?: MetricsRecorder,
) => Promise<IngestHandler>;

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  readonly tenant: TenantConfig;
  readonly home: SluiceHome;
  /** Gateway port; 0 picks a free one. */
  readonly port: number;
  /** Port of the embedded S3; 0 (the default) picks a free one. */
  readonly s3Port?: number;
  readonly flushSeconds?: number;
  /** Defaults to the real ingest handler of functions/ingest. */
  readonly createHandler?: IngestHandlerFactory;
  readonly log?: DeliveryLog & { error(message: string): void };
  /** Gets one line per request (method, path, status, ms, records; never a token). */
  readonly accessLog?: (line: string) => void;
  /** Records of the sample API (default local/pull/sample-api/events.json). */
  readonly sampleApiFile?: string;
  /**
   * Opens the pull side for a tenant with sources (default: local/pull/pull-wiring.ts, the real
   * runner and embedded DynamoDB); `false` runs no sources.
   */
  readonly openPull?: false | ((options: PullOpenOptions) => Promise<OpenLocalPull>);
  /** Whether sources run on their schedules (default true); `sluice pull` works either way. */
  readonly schedules?: boolean;
  /** Gets one line per pull run. */
  readonly pullLog?: (line: string) => void;
}

/** What the dev server gives the pull side: its tenant, data, delivery and where its sample API is. */
export interface PullOpenOptions {
  readonly tenant: TenantConfig;
  readonly home: SluiceHome;
  readonly delivery: RecordDelivery;
  /** This server's base URL, once it listens (the sample source's requests go there). */
  readonly sampleApiBase: () => Promise<string>;
  /** The embedded DynamoDB this server runs, which keeps the pull state too. */
  readonly database: EmbeddedDynamoDb;
  /** Where the pull runs record their metrics (the server's /metrics). */
  readonly metrics?: MetricsRecorder;
}

/** A running dev server. */
export interface DevServer {
  readonly url: string;
  readonly issuer: string;
  /** The sample API's collection URL (a cursor-paginated stand-in for a third-party API). */
  readonly sampleApiUrl: string;
  readonly tenant: TenantConfig;
  readonly s3: { readonly endpoint: string; readonly bucket: string; readonly client: S3Client };
  /** Records replayed from journals at start. */
  readonly replayedRecords: number;
  /** Idempotency-Keys the earlier run left in progress: completed from the journal, or freed. */
  readonly replayedKeys: ReplayedKeys;
  /** Signs a token of this server's issuer. */
  createToken(options?: { days?: number; streams?: readonly string[]; now?: Date }): Promise<string>;
  /**
   * Switches to a reloaded tenant config: requests in flight finish under the config they
   * started with, new ones use the new one; buffers are flushed, changed sources rescheduled.
   * Resolves with one line per change.
   */
  reload(next: TenantConfig): Promise<string[]>;
  /** Flushes every buffer into S3, then stops. */
  close(): Promise<void>;
}

/** Raised when another dev server already runs on the same data home. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}

const realPull = async (options: PullOpenOptions) => (await import('./pull/pull-wiring.ts')).openLocalPull(options);

const realIngestHandler: IngestHandlerFactory = async (tenant, delivery, idempotency, webhookSecrets, metrics) => {
  // Quiet by default: one JSON line per request drowns the dev server's own output.
  const logger = new Logger({
    serviceName: 'sluice-ingest',
    ...(process.env.POWERTOOLS_LOG_LEVEL ? {} : { logLevel: 'WARN' as const }),
  });
  return createIngestHandler({
    tenant,
    delivery,
    logger,
    idempotency,
    ...(webhookSecrets ? { webhookSecrets } : {}),
    ...(metrics ? { metrics } : {}),
  });
};

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts local mode for a tenant. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { home, tenant } = options;
  const running = await readServerState(home.serverStateFile);
  if (running && running.pid !== process.pid) {
    throw new AlreadyRunningError(
      `a Sluice dev server (pid ${running.pid}) already runs on ${home.root}: ${running.url}`,
    );
  }
  // The key set and the two embedded services are independent: started together, they cost
  // the start the slowest of them (s3rver's worker, about a second) rather than their sum.
  const databaseStarting = startEmbeddedDynamoDb(embeddedDynamoDbDirectory(home), 0, (error) =>
    options.log?.error(`the embedded DynamoDB failed: ${error.message}`),
  );
  // Awaited below or on the way out; this keeps a failure from being unhandled meanwhile.
  databaseStarting.catch(() => undefined);
  const [keySetResult, s3Result] = await Promise.allSettled([
    loadOrCreateKeySet(home.keySetFile),
    startEmbeddedS3(home.s3, options.s3Port ?? 0, (error) =>
      options.log?.error(`the embedded S3 failed: ${error.message}`),
    ),
  ]);
  if (keySetResult.status === 'rejected' || s3Result.status === 'rejected') {
    if (s3Result.status === 'fulfilled') await s3Result.value.close();
    await databaseStarting.then(
      (started) => started.close(),
      () => undefined,
    );
    throw keySetResult.status === 'rejected' ? keySetResult.reason : (s3Result as PromiseRejectedResult).reason;
  }
  const keySet: SigningKeySet = keySetResult.value;
  const s3 = s3Result.value;
  let httpServer: Server | undefined;
  let database: EmbeddedDynamoDb | undefined;
  let emulation: FirehoseEmulation | undefined;
  let pull: OpenLocalPull | undefined;
  // Sources reach the sample API through this server, whose port is known once it listens.
  let listeningAt: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    listeningAt = resolve;
  });
  try {
    const client = createS3Client(s3.endpoint);
    // Always: every stream takes Idempotency-Key, whose records live here (as the pull state).
    // Opened before the journals are replayed: a replay completes the keys journaled with records.
    const openedDatabase = await databaseStarting;
    database = openedDatabase;
    // Answers the handlers saved need no second read when their records land.
    const savedAnswers = new SavedAnswers();
    const idempotencyStore: IdempotencyStore = {
      client: openedDatabase.client(),
      tableName: openedDatabase.idempotencyTable,
      onAnswerSaved: (keyed) => savedAnswers.note(keyed),
    };
    // Follows reloads, so that a new stream's keys complete too.
    let keyCompletions = createKeyCompletions(tenant, idempotencyStore, savedAnswers);
    emulation = new FirehoseEmulation({
      tenant,
      s3: client,
      bucket: s3.bucket,
      journalDirectory: home.buffers,
      keys: {
        complete: (answers) => keyCompletions.complete(answers),
        releaseInProgress: () => keyCompletions.releaseInProgress(),
      },
      ...(options.flushSeconds === undefined ? {} : { flushSeconds: options.flushSeconds }),
      ...(options.log ? { log: options.log } : {}),
    });
    const replayedRecords = await emulation.replay();
    await emulation.settled();
    // The handlers record into this server's registry (/metrics, `sluice status`) as into EMF lines on AWS.
    const observability = createDevObservability({
      tenant,
      delivery: emulation,
      warn: (message) => options.log?.warn(message),
    });
    const { metrics } = observability;
    const openedEmulation = emulation;
    // Made per config: a reload makes a new handler bound to the new config and its delivery.
    const makeHandler = (config: TenantConfig) =>
      (options.createHandler ?? realIngestHandler)(
        config,
        openedEmulation.deliveryFor(config),
        idempotencyStore,
        new LocalSecretReader(config.tenant, home),
        metrics,
      );
    const handler = await makeHandler(tenant);
    const openPull = options.openPull ?? realPull;
    const openPullFor = async (config: TenantConfig): Promise<OpenLocalPull | undefined> => {
      const names = tenantSourceNames(config);
      if (names.length === 0 || !openPull) return undefined;
      // Checked before anything starts: a source whose stream is missing fails, naming it.
      for (const name of names) tenantSource(config, name);
      return openPull({
        tenant: config,
        home,
        delivery: openedEmulation,
        sampleApiBase: () => listening,
        database: openedDatabase,
        metrics,
      });
    };
    pull = await openPullFor(tenant);

    const server = createServer();
    httpServer = server;
    const port = await listen(server, options.port);
    const issuer = `http://127.0.0.1:${port}`;
    listeningAt(issuer);
    // The key set is read once per process, so its public half is built once: the authorizer
    // then sees the same object and skips comparing the JWKS on every request.
    const publicKeys = publicJwks(keySet);
    const jwks = () => publicKeys;
    const makeGateway = (config: TenantConfig, configHandler: IngestHandler) =>
      createGateway({
        tenant: config,
        handler: configHandler,
        authorizer: createJwtAuthorizer({ issuer, audience: [selfIssuerAudience(tenant.tenant)], jwks }),
        issuerUrl: issuer,
        jwks,
        api: { accountId: '000000000000', apiId: 'local', domainName: `127.0.0.1:${port}` },
        onHandlerError: (error) => options.log?.error(`ingest handler failed: ${(error as Error).stack ?? error}`),
        onClientAborted: (requestId) =>
          options.log?.warn(`request ${requestId}: the client closed the connection before the body was complete`),
        ...(options.accessLog
          ? { onRequest: (entry: AccessLogEntry) => options.accessLog?.(accessLogLine(entry)) }
          : {}),
      });
    const sampleApi = createSampleApi(options.sampleApiFile);
    const pullKey = randomBytes(32).toString('base64url');
    const pullRuns = new Set<Promise<unknown>>();
    // A stopping server waits for the pull runs and deliveries its admin routes started.
    const track = (work: Promise<unknown>) => {
      pullRuns.add(work);
      void work.finally(() => pullRuns.delete(work));
    };
    // Everything that reads the tenant config, made once per config. A request is dispatched
    // to the generation current when it arrives and finishes there; a reload swaps it whole.
    const makeGeneration = (
      config: TenantConfig,
      configHandler: IngestHandler,
      configPull: OpenLocalPull | undefined,
    ) => ({
      tenant: config,
      pull: configPull,
      gateway: makeGateway(config, configHandler),
      pullRoutes: createPullRoutes({ tenant: config, pull: configPull, key: pullKey, track }),
      // `sluice dlq replay` delivers through this server's emulation, which owns the journal.
      deliverRoute: createDeliverRoute({
        tenant: config,
        delivery: openedEmulation.deliveryFor(config),
        key: pullKey,
        track,
      }),
    });
    let current = makeGeneration(tenant, handler, pull);
    observability.expose({ key: pullKey, pull });
    const logUnexpected = (line: string) => options.log?.error(line);
    const routeRequest = (request: IncomingMessage, response: ServerResponse) => {
      const generation = current;
      // The sample API stands in for a third party, so it is outside the gateway's auth and routes.
      if (request.url?.startsWith(SAMPLE_API_PREFIX)) sampleApi(request, response);
      else if (request.url === PULL_ROUTE_PREFIX || request.url?.startsWith(`${PULL_ROUTE_PREFIX}/`)) {
        generation.pullRoutes(request, response);
      } else if (request.url === DELIVER_ROUTE) generation.deliverRoute(request, response);
      else if (!observability.serve(request, response)) generation.gateway(request, response);
    };
    // No request, with or without credentials, can end the process (issue 22 §3).
    server.on('request', guardedListener(routeRequest, logUnexpected));
    const stopServer = gracefulClose(server);
    await writeServerState(home.serverStateFile, {
      pid: process.pid,
      url: issuer,
      issuer,
      tenant: tenant.tenant,
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
      pullKey,
    });
    const schedule = (config: TenantConfig, configPull: OpenLocalPull | undefined): PullScheduler | undefined =>
      configPull && options.schedules !== false
        ? startPullScheduler({
            sources: tenantSourceNames(config).map((name) => ({
              name,
              schedule: tenantSource(config, name).source.schedule,
            })),
            run: (name, runOptions) => configPull.run(name, runOptions),
            report: (line) => (options.pullLog ?? options.log?.info)?.(line),
          })
        : undefined;
    let scheduler = schedule(tenant, pull);
    observability.scheduledBy(scheduler);
    // One reload at a time, in the order the changes were saved.
    let reloading: Promise<unknown> = Promise.resolve();
    const reload = async (next: TenantConfig): Promise<string[]> => {
      const before = current.tenant;
      if (next.tenant !== before.tenant) {
        throw new Error(
          `the tenant is named "${before.tenant}"; renaming it needs a restart (its data lives under its name)`,
        );
      }
      const changes = describeConfigChanges(before, next);
      let nextPull = current.pull;
      if (sourcesChanged(before, next)) {
        // Runs end after their current slice with their progress saved, then the new sources are scheduled.
        const oldPull = current.pull;
        oldPull?.stop();
        await scheduler?.stop();
        await Promise.allSettled(pullRuns);
        await oldPull?.close();
        nextPull = await openPullFor(next);
        scheduler = schedule(next, nextPull);
        observability.scheduledBy(scheduler);
        observability.expose({ key: pullKey, pull: nextPull });
      }
      keyCompletions = createKeyCompletions(next, idempotencyStore, savedAnswers);
      current = makeGeneration(next, await makeHandler(next), nextPull);
      await observability.reconfigure(next);
      // Every open buffer is flushed: a removed stream's records land, none is dropped.
      await openedEmulation.reconfigure(next);
      return changes;
    };

    const delivery = emulation;
    let closing: Promise<void> | undefined;
    return {
      url: issuer,
      issuer,
      sampleApiUrl: `${issuer}${SAMPLE_EVENTS_PATH}`,
      get tenant() {
        return current.tenant;
      },
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, client },
      replayedRecords,
      replayedKeys: openedEmulation.replayedKeys,
      createToken: (request = {}) =>
        signLocalToken(keySet, {
          issuer,
          tenant: current.tenant.tenant,
          days: request.days ?? 1,
          ...(request.streams ? { streams: request.streams } : {}),
          ...(request.now ? { now: request.now } : {}),
        }),
      reload(next) {
        const done = reloading.then(() => reload(next));
        reloading = done.catch(() => undefined);
        return done;
      },
      close() {
        closing ??= (async () => {
          await reloading;
          // Stop taking requests, let the ones in flight finish, then flush what they buffered.
          const stopped = stopServer();
          // Runs end after their current slice with their progress saved; then their records are flushed.
          const openedPull = current.pull;
          openedPull?.stop();
          await scheduler?.stop();
          await Promise.allSettled(pullRuns);
          await stopped;
          try {
            await openedPull?.close();
            await delivery.flushAll();
          } finally {
            await openedDatabase.close();
            await clearServerState(home.serverStateFile);
            await s3.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    httpServer?.close();
    await pull?.close().catch(() => undefined);
    await (database ?? (await databaseStarting.catch(() => undefined)))?.close().catch(() => undefined);
    await emulation?.flushAll().catch(() => undefined);
    await s3.close();
    throw error;
  }
}
