/**
 * The pull function on AWS: one slice of one run per invocation. The tenant's Step Functions
 * state machine invokes it with `{ source, scheduledTime, runId }` until it answers
 * `done: true`. handler.ts binds it to the tenant at bundle time. Clients are created once per
 * cold start. A slice stops a minute before the Lambda timeout, so that the page in flight is
 * delivered and committed before Lambda ends the invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import type { Context } from 'aws-lambda';
import * as v from 'valibot';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { EmfMetricsRecorder } from '#functions/metrics/emf-metrics-recorder';
import type { KinesisRouteFactory } from '#functions/shared/kinesis-route';
import { SecretsManagerReader } from '#functions/shared/secrets-manager-reader';
import type { TenantConfig } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { parseDeliveryBindings } from '#shared/ports/delivery-bindings';
import type { PullStateStore, RunSummary, SecretReader } from '#shared/pull/pull-run';
import { stateStoreFromEnvironment } from './dynamodb-state-store.ts';
import { runPullSlice } from './run-pull.ts';

/**
 * How long a source secret is reused: a slice makes many requests with the same credentials
 * and the next slice often lands on the same warm Lambda, while a rotated secret must reach
 * the next runs.
 */
export const SOURCE_SECRET_MAX_AGE_MS = 5 * 60_000;

/** Time kept back from the Lambda timeout for the page in flight. */
export const SLICE_RESERVE_MS = 60_000;

/** The event Step Functions sends. */
export const PullEventSchema = v.strictObject({
  source: v.pipe(v.string(), v.nonEmpty()),
  scheduledTime: v.pipe(v.string(), v.isoTimestamp('scheduledTime must be an ISO 8601 time')),
  // The state machine names every run (shared/pull/run-id.ts) before it invokes a slice.
  runId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,80}$/, 'runId must be 1 to 80 of A-Z a-z 0-9 _ . -')),
});

/**
 * What one invocation answers: the state machine invokes the next slice while `done` is false
 * (waiting until `resumeAt` first when it is there); `skipped: 'busy'` is a tick that found
 * another run holding the source, a normal end.
 */
export type PullSliceAnswer =
  | { done: false; runId: string; resumeAt?: string }
  | { done: true; runId: string; summary: RunSummary }
  | { done: true; runId: string; skipped: 'busy'; reason: string };

/** What a test (or local wiring) may put in place of the AWS clients. */
export interface PullHandlerOverrides {
  readonly store?: PullStateStore;
  readonly secrets?: SecretReader;
  readonly fetch?: typeof fetch;
  readonly kinesisRoute?: KinesisRouteFactory;
}

let firehoseClient: FirehoseClient | undefined;

/** The pull handler on AWS: delivery from ENV.deliveryTargets, state from ENV.pullStateTable. */
export function createAwsPullHandler(tenant: TenantConfig, overrides: PullHandlerOverrides = {}) {
  const bindings = parseDeliveryBindings(process.env[ENV.deliveryTargets]);
  firehoseClient ??= new FirehoseClient({ retryMode: 'standard', maxAttempts: 3 });
  const delivery = new AwsDelivery(
    {
      firehose: new FirehoseDelivery(firehoseClient, bindings),
      ...(overrides.kinesisRoute ? { kinesis: overrides.kinesisRoute(bindings) } : {}),
    },
    bindings,
  );
  const store = overrides.store ?? stateStoreFromEnvironment();
  const secrets = overrides.secrets ?? new SecretsManagerReader({ maxAgeMs: SOURCE_SECRET_MAX_AGE_MS });
  const logger = new Logger({ serviceName: 'sluice-pull' });
  const metrics = new EmfMetricsRecorder();
  const log = {
    info: (msg: string, extra: object = {}) => logger.info(msg, { ...extra }),
    warn: (msg: string, extra: object = {}) => logger.warn(msg, { ...extra }),
  };

  return async (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PullSliceAnswer> => {
    const parsed = v.safeParse(PullEventSchema, event);
    if (!parsed.success) throw new Error(`bad pull event: ${parsed.issues.map((issue) => issue.message).join('; ')}`);
    const { source: name, runId } = parsed.output;
    const source = Object.hasOwn(tenant.sources, name) ? tenant.sources[name] : undefined;
    if (source === undefined) throw new Error(`tenant ${tenant.tenant} has no source ${name}`);
    const stream = Object.hasOwn(tenant.streams, source.stream) ? tenant.streams[source.stream] : undefined;
    if (stream === undefined)
      throw new Error(`source ${name} names stream ${source.stream}, which tenant ${tenant.tenant} has not`);
    const sliceDeadline = new Date(Date.now() + context.getRemainingTimeInMillis() - SLICE_RESERVE_MS);
    let result: Awaited<ReturnType<typeof runPullSlice>>;
    try {
      result = await runPullSlice(
        { tenant: tenant.tenant, source, stream, runId, sliceDeadline },
        { store, secrets, delivery, log, metrics, ...(overrides.fetch ? { fetch: overrides.fetch } : {}) },
      );
    } finally {
      // Once per invocation, also when the slice threw: what was delivered before counts.
      metrics.publish();
    }
    if (!result.done) return result;
    if ('busy' in result) return { done: true, runId, skipped: 'busy', reason: result.busy.message };
    return { done: true, runId, summary: result.summary };
  };
}
