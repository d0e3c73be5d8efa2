/**
 * Stack `Sluice-<tenant>`: the push path of one tenant, from the HTTPS endpoint to the
 * landing bucket, with the self issuer when the tenant uses one.
 */
import { Annotations, Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { isSelfIssuer } from '#shared/config/tenant-config';
import type { LoadedTenant } from '#shared/config/tenant-loader';
import { webhookSecretNames } from '#shared/config/webhook-config';
import { INGEST_FUNCTION_TIMEOUT_MS } from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import {
  deadLetterStreamOutput,
  deliveryStreamOutput,
  STACK_OUTPUT_ROWS,
  type StackOutputName,
  type StackOutputRow,
} from '#shared/contract/stack-outputs';
import { selfIssuerAudience } from '#shared/tokens/token-claims';
import { AnalystTables } from '../constructs/analyst-tables.ts';
import { StreamDelivery } from '../constructs/delivery/delivery-stream.ts';
import { LandingBucket } from '../constructs/delivery/landing-bucket.ts';
import { HouseFunction, timeoutFromMs } from '../constructs/house-function.ts';
import { HOUSE_LOG_RETENTION } from '../constructs/house-function-defaults.ts';
import { ApiDocs } from '../constructs/ingest/api-docs.ts';
import { IdempotencyTable } from '../constructs/ingest/idempotency-table.ts';
import { IngestApi } from '../constructs/ingest/ingest-api.ts';
import { TokenIssuer } from '../constructs/ingest/token-issuer.ts';
import { PullSources, type PullStreamDelivery } from '../constructs/pull-sources.ts';
import { type MonitoredStream, TenantMonitoring } from '../constructs/tenant-monitoring.ts';
import { INGEST_ENTRY, ingestAliases, PULL_ENTRY, pullAliases } from '../function-bundling.ts';
import { resourceLimitValidation } from '../resource-limit.ts';
import { RetainExceptOnCreate } from '../retain-except-on-create.ts';

/** Props of {@link TenantStack}. */
export interface TenantStackProps extends StackProps {
  readonly tenant: LoadedTenant;
  /** Key readers given at deploy time (`-c keyReaders=`), added to the tenant file's `auth.keyReaders`. */
  readonly extraKeyReaders?: readonly string[];
}

/** Everything one tenant's push path needs on AWS. */
export class TenantStack extends Stack {
  /** The landing bucket construct. */
  public readonly landing: LandingBucket;
  /** The ingest function. */
  public readonly ingestFunction: HouseFunction;
  /** Each stream's records delivery, by stream id. */
  public readonly deliveries: Readonly<Record<string, StreamDelivery>>;
  /** The HTTP API. */
  public readonly api: IngestApi;
  /** The self issuer, when the tenant uses it. */
  public readonly tokenIssuer: TokenIssuer | undefined;
  /** The pull side, when the tenant has sources. */
  public readonly pullSources: PullSources | undefined;
  /** Glue tables and the Athena workgroup over the landed batches. */
  public readonly analystTables: AnalystTables;
  /** The OpenAPI document and the docs page. */
  public readonly apiDocs: ApiDocs;
  /** The ingest function's Idempotency-Key records. */
  public readonly idempotency: IdempotencyTable;
  /** The dashboard, the alarms and their topic (docs/operations.md). */
  public readonly monitoring: TenantMonitoring;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, { description: `Sluice push path of tenant ${props.tenant.config.tenant}`, ...props });
    // A failed first deploy must be retryable: nothing it created may survive its rollback.
    Aspects.of(this).add(new RetainExceptOnCreate());
    const { config, file } = props.tenant;
    // Past CloudFormation's resource limit the deploy would fail late and name nothing: refuse at synth.
    this.node.addValidation(resourceLimitValidation(this, config));

    this.landing = new LandingBucket(this, 'Landing', { tenant: config.tenant, storage: config.storage });
    const deliveryErrors = new logs.LogGroup(this, 'DeliveryErrors', { retention: HOUSE_LOG_RETENTION });

    this.ingestFunction = new HouseFunction(this, 'Ingest', {
      entry: INGEST_ENTRY,
      aliases: ingestAliases(config, file),
      // The Idempotency-Key layer and the Secrets Manager client load on first use (issue 24).
      splitChunks: true,
      description: `Sluice ${config.tenant}: ingest`,
      timeout: timeoutFromMs(INGEST_FUNCTION_TIMEOUT_MS),
      environment: { [ENV.tenant]: config.tenant },
      // Opt-in only: past it the HTTP API answers 500, not 429 (tenant-config.ts).
      ...(config.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: config.reservedConcurrency }),
    });
    this.idempotency = new IdempotencyTable(this, 'Idempotency');
    this.idempotency.bindTo(this.ingestFunction);

    // Webhook streams' secrets: the ingest function may read exactly these (docs/webhooks.md).
    this.ingestFunction.grantSecretsRead(webhookSecretNames(config.streams));

    const deliveries: Record<string, StreamDelivery> = {};
    const pullDeliveries: Record<string, PullStreamDelivery> = {};
    const monitoredStreams: MonitoredStream[] = [];
    for (const stream of Object.values(config.streams)) {
      const shared = {
        tenant: config.tenant,
        stream,
        bucket: this.landing.bucket,
        dataKey: this.landing.dataKey,
        errorLogGroup: deliveryErrors,
      };
      // The construct ids name the channel: they are the logical ids of deployed delivery streams.
      const delivery = new StreamDelivery(this, `Stream-${stream.id}`, { ...shared, channel: 'records' });
      const deadLetter = stream.deadLetter
        ? new StreamDelivery(this, `DeadLetter-${stream.id}`, { ...shared, channel: 'dead-letter' })
        : undefined;
      // Athena cannot read CBOR: an XML stream may land an NDJSON copy beside it (docs/analysts.md).
      const jsonProjection =
        stream.projection === 'json'
          ? new StreamDelivery(this, `JsonProjection-${stream.id}`, { ...shared, channel: 'json-projection' })
          : undefined;
      this.ingestFunction.bindDeliveryStream(stream.id, delivery, deadLetter, jsonProjection);
      deliveries[stream.id] = delivery;
      pullDeliveries[stream.id] = { records: delivery, deadLetter };
      monitoredStreams.push({ stream, records: delivery, deadLetter, jsonProjection });
      new CfnOutput(this, deliveryStreamOutput(stream.id), {
        description: `Firehose delivery stream of stream ${stream.id}`,
        value: delivery.deliveryStreamName,
      });
      if (deadLetter) {
        new CfnOutput(this, deadLetterStreamOutput(stream.id), {
          description: `Dead-letter delivery stream of stream ${stream.id}`,
          value: deadLetter.deliveryStreamName,
        });
      }
    }
    this.deliveries = deliveries;

    const { sources } = config;
    this.pullSources =
      Object.keys(sources).length > 0
        ? new PullSources(this, 'Pull', {
            tenant: config.tenant,
            sources,
            deliveries: pullDeliveries,
            entry: PULL_ENTRY,
            aliases: pullAliases(config, file),
          })
        : undefined;

    this.analystTables = new AnalystTables(this, 'Analyst', {
      tenant: config.tenant,
      streams: Object.values(config.streams),
      pulledStreams: new Set(Object.values(sources).map((source) => source.stream)),
      bucket: this.landing.bucket,
      dataKey: this.landing.dataKey,
      bytesScannedCutoffMb: config.analytics.bytesScannedCutoffMb,
    });

    const auth = config.auth;
    this.api = new IngestApi(this, 'Ingest-Api', {
      tenant: config,
      ingestFunction: this.ingestFunction,
      auth: isSelfIssuer(auth)
        ? { issuer: 'self', audience: [selfIssuerAudience(config.tenant)] }
        : { issuer: auth.issuer, audience: 'audience' in auth ? auth.audience : [] },
    });
    this.apiDocs = new ApiDocs(this, 'ApiDocs', { tenant: config.tenant, tenantFile: file, api: this.api });
    const keyReaders = isSelfIssuer(auth) ? [...new Set([...auth.keyReaders, ...(props.extraKeyReaders ?? [])])] : [];
    if (isSelfIssuer(auth) && keyReaders.length === 0) {
      Annotations.of(this).addWarningV2(
        'sluice:no-key-readers',
        `tenant ${config.tenant} has no auth.keyReaders: after the deploy nobody can read the signing keys, so no one can run \`sluice token create --stack\` or \`sluice verify\` (ADR 0005). Add your role or user ARN (find it with \`aws sts get-caller-identity\`) to auth.keyReaders in the tenant file, or deploy with \`-c keyReaders=<arn>\` (docs/deploy.md).`,
      );
    }
    this.tokenIssuer = isSelfIssuer(auth)
      ? new TokenIssuer(this, 'SelfIssuer', {
          tenant: config.tenant,
          api: this.api,
          rotationDays: auth.rotationDays,
          maxTokenDays: auth.maxTokenDays,
          keyReaders,
        })
      : undefined;

    this.monitoring = new TenantMonitoring(this, 'Monitoring', {
      tenant: config,
      api: this.api.api,
      ingestFunction: this.ingestFunction,
      streams: monitoredStreams,
      pull: this.pullSources,
    });
    const outputs: Readonly<Record<StackOutputName, string | undefined>> = {
      apiUrl: this.api.api.apiEndpoint,
      issuer: this.api.issuer,
      bucket: this.landing.bucket.bucketName,
      signingKeySecret: this.tokenIssuer?.secret.secretName,
      maxTokenDays: isSelfIssuer(auth) ? String(auth.maxTokenDays) : undefined,
      glueDatabase: this.analystTables.databaseName,
      athenaWorkGroup: this.analystTables.workGroupName,
      analystTables: Object.keys(this.analystTables.tables).join(','),
      analystQueryPolicy: this.analystTables.queryPolicy.managedPolicyArn,
      alarmTopic: this.monitoring.topic.topicArn,
      dashboard: this.monitoring.dashboard.dashboardName,
    };
    for (const [name, row] of Object.entries(STACK_OUTPUT_ROWS) as [StackOutputName, StackOutputRow][]) {
      const value = outputs[name];
      if (value !== undefined) new CfnOutput(this, row.key, { description: row.description, value });
    }
  }
}
