/** CloudFormation output keys of a tenant stack; the CLI reads them to reach a deployed stack. */
export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  bucket: 'LandingBucketName',
  signingKeySecret: 'SigningKeySecretName',
  issuer: 'TokenIssuer',
  /** The self issuer's auth.maxTokenDays: `sluice token create --stack` caps `--days` with it. */
  maxTokenDays: 'MaxTokenDays',
  /** The Glue database of the analyst tables (shared/analytics/analyst-tables.ts). */
  glueDatabase: 'GlueDatabaseName',
  /** The Athena workgroup analysts query in. */
  athenaWorkGroup: 'AthenaWorkGroupName',
  /** The analyst table names, comma-separated. */
  analystTables: 'AnalystTableNames',
  /** ARN of the managed policy that lets a role query the analyst tables. */
  analystQueryPolicy: 'AnalystQueryPolicyArn',
  /** ARN of the SNS topic every alarm of the stack notifies (docs/operations.md). */
  alarmTopic: 'AlarmTopicArn',
  /** Name of the stack's CloudWatch dashboard. */
  dashboard: 'DashboardName',
} as const;

const DELIVERY_STREAM_OUTPUT_PREFIX = 'DeliveryStream';

/**
 * Output keys must be alphanumeric, but stream ids may hold `-` and `_`; dropping them would
 * give `a-b` and `ab` the same key. `Z` escapes (`Z` → `ZZ`, `-` → `Zd`, `_` → `Zu`), so the
 * mapping is one-to-one and ids without those characters keep their plain key.
 */
function outputSafe(streamId: string): string {
  return streamId.replace(/[Z_-]/g, (char) => (char === 'Z' ? 'ZZ' : char === '-' ? 'Zd' : 'Zu'));
}

/** Output key of one stream's delivery stream name. */
export function deliveryStreamOutput(streamId: string): string {
  return `${DELIVERY_STREAM_OUTPUT_PREFIX}${outputSafe(streamId)}`;
}

/** The stream id whose delivery stream an output key names (the inverse of {@link deliveryStreamOutput}); else undefined. */
export function streamOfDeliveryStreamOutput(key: string): string | undefined {
  if (!key.startsWith(DELIVERY_STREAM_OUTPUT_PREFIX)) return undefined;
  const escaped = key.slice(DELIVERY_STREAM_OUTPUT_PREFIX.length);
  if (!/^(?:[A-Ya-z0-9]|Z[Zdu])+$/.test(escaped)) return undefined;
  return escaped.replace(/Z([Zdu])/g, (_, char: string) => (char === 'Z' ? 'Z' : char === 'd' ? '-' : '_'));
}

/** Output key of one stream's dead-letter delivery stream name (streams with `deadLetter`). */
export function deadLetterStreamOutput(streamId: string): string {
  return `DeadLetterStream${outputSafe(streamId)}`;
}

const STACK_NAME_PREFIX = 'Sluice-';

/** The stack name of a tenant: `Sluice-<tenant>`. */
export function tenantStackName(tenant: string): string {
  return `${STACK_NAME_PREFIX}${tenant}`;
}

/** The tenant of a stack named by {@link tenantStackName}; undefined for any other name. */
export function tenantOfStackName(stackName: string): string | undefined {
  return stackName.startsWith(STACK_NAME_PREFIX) && stackName.length > STACK_NAME_PREFIX.length
    ? stackName.slice(STACK_NAME_PREFIX.length)
    : undefined;
}
