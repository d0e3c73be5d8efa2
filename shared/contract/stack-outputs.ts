/** One output of a tenant stack. */
export interface StackOutputRow {
  /** The CloudFormation output key. */
  readonly key: string;
  /** The output's description in the template. */
  readonly description: string;
  /** What the value is, as docs/deploy.md's table says it. */
  readonly docs: string;
  /** Only stacks whose tenant uses the stack's own token issuer have it. */
  readonly selfIssuerOnly?: true;
}

/**
 * Every output of a tenant stack, in the order the docs list them: the stack builds its
 * outputs from these rows, the CLI reads them by key, and `npm run docs` prints the table.
 */
export const STACK_OUTPUT_ROWS = {
  apiUrl: {
    key: 'ApiUrl',
    description: 'Base URL of the ingest API',
    docs: 'base URL of the API, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`',
  },
  issuer: {
    key: 'TokenIssuer',
    description: 'Token issuer (iss) the API trusts',
    docs: 'the `iss` the authorizer accepts (the API URL for `self`)',
  },
  bucket: { key: 'LandingBucketName', description: 'Landing bucket', docs: 'the landing bucket' },
  signingKeySecret: {
    key: 'SigningKeySecretName',
    description: 'Secrets Manager secret with the signing key set',
    docs: 'the secret with the signing keys',
    selfIssuerOnly: true,
  },
  /** The self issuer's auth.maxTokenDays: `sluice token create --stack` caps `--days` with it. */
  maxTokenDays: {
    key: 'MaxTokenDays',
    description: 'Longest token lifetime in days (auth.maxTokenDays)',
    docs: '`auth.maxTokenDays`, the cap of `token create --stack --days`',
    selfIssuerOnly: true,
  },
  /** The Glue database of the analyst tables (shared/analytics/analyst-tables.ts). */
  glueDatabase: {
    key: 'GlueDatabaseName',
    description: 'Glue database of the analyst tables',
    docs: 'Glue database of the analyst tables, `sluice_<tenant>` ([analysts](analysts.md))',
  },
  athenaWorkGroup: {
    key: 'AthenaWorkGroupName',
    description: 'Athena workgroup to query the analyst tables in',
    docs: 'Athena workgroup to query in, `sluice-<tenant>`',
  },
  analystTables: {
    key: 'AnalystTableNames',
    description: 'Analyst tables (comma-separated)',
    docs: 'the analyst tables, comma-separated',
  },
  analystQueryPolicy: {
    key: 'AnalystQueryPolicyArn',
    description: 'Managed policy to attach to an analyst role',
    docs: "managed policy to attach to an analyst's role",
  },
  alarmTopic: {
    key: 'AlarmTopicArn',
    description: 'SNS topic every alarm notifies (docs/operations.md)',
    docs: 'SNS topic every alarm notifies ([operations](operations.md))',
  },
  dashboard: {
    key: 'DashboardName',
    description: 'CloudWatch dashboard of the tenant',
    docs: 'CloudWatch dashboard of the tenant, `Sluice-<tenant>`',
  },
} as const satisfies Readonly<Record<string, StackOutputRow>>;

/** Names of the stack-wide outputs (the per-stream ones are {@link deliveryStreamOutput} and {@link deadLetterStreamOutput}). */
export type StackOutputName = keyof typeof STACK_OUTPUT_ROWS;

/** CloudFormation output keys of a tenant stack by name; the CLI reads them to reach a deployed stack. */
export const STACK_OUTPUTS = Object.fromEntries(
  Object.entries(STACK_OUTPUT_ROWS).map(([name, row]) => [name, row.key]),
) as { readonly [Name in StackOutputName]: (typeof STACK_OUTPUT_ROWS)[Name]['key'] };

/** The per-stream outputs, as docs/deploy.md's table lists them after the stack-wide ones. */
export const PER_STREAM_OUTPUT_ROWS: readonly Pick<StackOutputRow, 'key' | 'docs'>[] = [
  {
    key: 'DeliveryStream<stream>',
    docs: 'Firehose delivery stream of each stream (`-` is written `Zd`, `_` `Zu`, `Z` `ZZ`)',
  },
  { key: 'DeadLetterStream<stream>', docs: 'dead-letter delivery stream of each `deadLetter` stream' },
];

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
