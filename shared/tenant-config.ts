/**
 * The tenant config: one `tenants/<name>.ts` per tenant, default-exporting
 * `defineTenant({...})`. Validated with valibot at synth time and at `sluice dev` start;
 * a bad config fails with a message that names the field.
 */
import * as v from 'valibot';
import { DEFAULT_MAX_BYTES, MAX_RECORD_BYTES } from './contract.ts';
import { DELIVERY_STREAM_NAME_MAX, deliveryStreamName } from './delivery-stream-names.ts';

/** Payload type of a stream: one stream takes one. */
export type PayloadType = 'json' | 'xml';
/** Compression Firehose applies to a stream's objects. */
export type Compression = 'none' | 'gzip';
/** How records reach Firehose: Direct PUT, or through an on-demand Kinesis Data Stream. */
export type DeliveryMode = 'direct' | 'kinesis';

/** Stream ids: 1 to 64 letters, digits, `-` and `_` (they become a URL path segment and resource names). */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Most streams one tenant may have. The ingest function carries every stream's delivery
 * bindings in its environment, which Lambda caps at 4 KB (keys and values): at the longest
 * names the config allows, 12 streams with dead letters take about 3.2 KB, leaving room for
 * the other variables (test/infra/largest-tenant-stack.test.ts checks it).
 */
export const MAX_STREAMS_PER_TENANT = 12;

/**
 * Reserved concurrency of the ingest function when the config is silent: the tenant-wide cap,
 * since the throttles apply per route. 100 covers the default 500 posts/s at up to 200 ms each
 * (docs/capacity.md) and leaves the rest of the Region's 1,000 to other functions.
 */
export const DEFAULT_INGEST_CONCURRENCY = 100;

/** IAM role ARNs, as `aws:PrincipalArn` names a role session's role. */
export const IAM_ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** Tenant names: lower-case letters, digits and `-`, 1 to 32, starting with a letter (they name a stack). */
export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

const positiveInteger = (max: number, what: string) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
    v.maxValue(max, `${what} must be at most ${max}`),
  );

/**
 * Throttle limits: up to what an account with raised API Gateway quotas can use. The account's
 * own quota (10,000 requests/s and 5,000 burst by default, shared by every API) still applies.
 */
const ThrottleSchema = v.strictObject({
  rate: positiveInteger(100_000, 'rate (requests per second)'),
  burst: positiveInteger(50_000, 'burst (requests)'),
});

const BufferingSchema = v.strictObject({
  seconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0, 'seconds must be 0 to 900'),
      v.maxValue(900, 'seconds must be 0 to 900'),
    ),
  ),
  mebibytes: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1, 'mebibytes must be 1 to 128'),
      v.maxValue(128, 'mebibytes must be 1 to 128'),
    ),
  ),
});

const RecordSchemaSchema = v.custom<v.GenericSchema>(
  (input) => typeof input === 'object' && input !== null && (input as { kind?: unknown }).kind === 'schema',
  'schema must be a valibot schema',
);

const StreamSchema = v.pipe(
  v.strictObject({
    payload: v.picklist(['json', 'xml'], 'payload must be "json" or "xml"'),
    schema: v.optional(RecordSchemaSchema),
    deadLetter: v.optional(v.boolean('deadLetter must be true or false')),
    batch: v.optional(v.boolean('batch must be true or false')),
    maxBytes: v.optional(positiveInteger(MAX_RECORD_BYTES, 'maxBytes')),
    throttle: v.optional(ThrottleSchema),
    buffering: v.optional(BufferingSchema),
    compression: v.optional(v.picklist(['none', 'gzip'], 'compression must be "none" or "gzip"')),
    delivery: v.optional(v.picklist(['direct', 'kinesis'], 'delivery must be "direct" or "kinesis"')),
  }),
  v.forward(
    v.check((stream) => !(stream.payload === 'xml' && stream.schema), 'a schema is only for JSON streams'),
    ['schema'],
  ),
  v.forward(
    v.check((stream) => !(stream.payload === 'xml' && stream.batch), 'batch posts are only for JSON streams'),
    ['batch'],
  ),
);

const SelfIssuerSchema = v.strictObject({
  issuer: v.literal('self'),
  /** Longest lifetime of a token the CLI will sign; old public keys stay this long after a rotation. */
  maxTokenDays: v.optional(positiveInteger(365, 'maxTokenDays')),
  /** Days between signing-key rotations. */
  rotationDays: v.optional(positiveInteger(365, 'rotationDays')),
  /**
   * IAM role ARNs that may read the signing keys besides the issuer's own functions, such as
   * the role that runs `sluice token create --stack`. Everyone else is denied (ADR 0005).
   */
  keyReaders: v.optional(
    v.array(
      v.pipe(
        v.string(),
        v.regex(IAM_ROLE_ARN_PATTERN, 'a key reader must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)'),
      ),
    ),
  ),
});

const ExternalIssuerSchema = v.strictObject({
  issuer: v.pipe(
    v.string(),
    v.url('issuer must be "self" or an https URL'),
    v.startsWith('https://', 'issuer must be "self" or an https URL'),
  ),
  audience: v.pipe(
    v.array(v.pipe(v.string(), v.nonEmpty('an audience must not be empty'))),
    v.minLength(1, 'audience needs at least one value'),
  ),
});

const StorageSchema = v.strictObject({
  expireAfterDays: v.optional(positiveInteger(36_500, 'expireAfterDays')),
  infrequentAccessAfterDays: v.optional(
    v.pipe(
      positiveInteger(36_500, 'infrequentAccessAfterDays'),
      v.minValue(30, 'infrequentAccessAfterDays must be at least 30 (an S3 rule)'),
    ),
  ),
});

const ConfigObjectSchema = v.strictObject({
  tenant: v.pipe(
    v.string('tenant must be a string'),
    v.regex(TENANT_NAME_PATTERN, 'tenant must be 1 to 32 lower-case letters, digits or "-", starting with a letter'),
  ),
  auth: v.union(
    [SelfIssuerSchema, ExternalIssuerSchema],
    'auth must be { issuer: "self" } or { issuer: "https://…", audience: [...] }',
  ),
  /**
   * Default throttle of each stream's route (API Gateway's `DefaultRouteSettings` apply per
   * route), not a tenant total: N streams may take N times this. `concurrency` is the cap.
   */
  throttle: v.optional(ThrottleSchema),
  storage: v.optional(StorageSchema),
  streams: v.pipe(
    v.record(
      v.pipe(v.string(), v.regex(STREAM_ID_PATTERN, 'a stream id must be 1 to 64 letters, digits, "-" or "_"')),
      StreamSchema,
    ),
    v.check((streams) => Object.keys(streams).length > 0, 'streams needs at least one stream'),
    v.check(
      (streams) => Object.keys(streams).length <= MAX_STREAMS_PER_TENANT,
      (issue) =>
        `streams has ${Object.keys(issue.input).length} streams; a tenant takes at most ${MAX_STREAMS_PER_TENANT} (MAX_STREAMS_PER_TENANT: every stream's delivery binding must fit the ingest function's 4 KB environment)`,
    ),
  ),
  /**
   * The ingest function's reserved concurrency: the one tenant-wide cap (each `throttle` is
   * per route). It also reserves that much of the Region's Lambda concurrency for the tenant.
   * Past it, Lambda refuses the call and API Gateway answers 500 (retryable; HTTP APIs cannot
   * remap it), so size it for the route throttles to bite first (docs/capacity.md).
   */
  concurrency: v.optional(positiveInteger(10_000, 'concurrency')),
});

type ConfigOutput = v.InferOutput<typeof ConfigObjectSchema>;

/** Delivery stream names that would be longer than Firehose allows, as messages. */
function overlongDeliveryStreamNames(config: ConfigOutput): string[] {
  return Object.entries(config.streams).flatMap(([id, stream]) =>
    (stream.deadLetter ? (['records', 'dead-letter'] as const) : (['records'] as const))
      .map((channel) => deliveryStreamName(config.tenant, id, channel))
      .filter((name) => name.length > DELIVERY_STREAM_NAME_MAX)
      .map(
        (name) =>
          `stream "${id}": its delivery stream name ${name} has ${name.length} characters, over Firehose's ${DELIVERY_STREAM_NAME_MAX}; shorten the stream id or the tenant name`,
      ),
  );
}

/** The valibot schema of a tenant config. */
export const TenantConfigSchema = v.pipe(
  ConfigObjectSchema,
  v.forward(
    v.check(
      (config) => overlongDeliveryStreamNames(config).length === 0,
      (issue) => overlongDeliveryStreamNames(issue.input as ConfigOutput).join('; '),
    ),
    ['streams'],
  ),
);

/** A tenant config as written in `tenants/<name>.ts`. */
export type TenantConfigInput = v.InferInput<typeof TenantConfigSchema>;
/** One stream as written in the config. */
export type StreamConfigInput = v.InferInput<typeof StreamSchema>;

/** A stream with every default applied. */
export interface StreamConfig {
  readonly id: string;
  readonly payload: PayloadType;
  readonly schema: v.GenericSchema | undefined;
  readonly deadLetter: boolean;
  readonly batch: boolean;
  readonly maxBytes: number;
  readonly throttle: { readonly rate: number; readonly burst: number } | undefined;
  readonly buffering: { readonly seconds: number; readonly mebibytes: number };
  readonly compression: Compression;
  readonly delivery: DeliveryMode;
}

/** Auth settings with defaults applied. */
export type AuthConfig =
  | {
      readonly issuer: 'self';
      readonly maxTokenDays: number;
      readonly rotationDays: number;
      readonly keyReaders: readonly string[];
    }
  | { readonly issuer: string; readonly audience: readonly string[] };

/** A validated tenant config with every default applied. */
export interface TenantConfig {
  readonly tenant: string;
  readonly auth: AuthConfig;
  /** Throttle of each stream route that sets none of its own (per route, not a tenant total). */
  readonly throttle: { readonly rate: number; readonly burst: number };
  readonly storage: {
    readonly expireAfterDays: number | undefined;
    readonly infrequentAccessAfterDays: number | undefined;
  };
  /** Reserved concurrency of the ingest function: the tenant-wide cap. */
  readonly concurrency: number;
  readonly streams: Readonly<Record<string, StreamConfig>>;
}

/** Defaults applied where the config is silent. */
export const TENANT_DEFAULTS = {
  throttle: { rate: 500, burst: 1000 },
  buffering: { seconds: 60, mebibytes: 5 },
  compression: 'none',
  delivery: 'direct',
  maxTokenDays: 30,
  rotationDays: 90,
  concurrency: DEFAULT_INGEST_CONCURRENCY,
} as const;

/** Raised for a tenant config that does not validate; the message names every bad field. */
export class TenantConfigError extends Error {
  override readonly name = 'TenantConfigError';
  constructor(
    readonly tenant: string,
    readonly problems: readonly string[],
  ) {
    super(`tenant config${tenant ? ` "${tenant}"` : ''} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** Type guard: the auth config is the stack's own self issuer. */
export function isSelfIssuer(auth: AuthConfig): auth is Extract<AuthConfig, { issuer: 'self' }> {
  return auth.issuer === 'self';
}

/**
 * Validates a tenant config and applies its defaults. Throws {@link TenantConfigError}
 * naming every bad field.
 */
export function defineTenant(input: TenantConfigInput): TenantConfig {
  const result = v.safeParse(TenantConfigSchema, input);
  if (!result.success) {
    const name =
      typeof (input as { tenant?: unknown })?.tenant === 'string' ? (input as { tenant: string }).tenant : '';
    throw new TenantConfigError(name, describeIssues(result.issues));
  }
  const config = result.output;
  const streams: Record<string, StreamConfig> = {};
  for (const [id, stream] of Object.entries(config.streams)) {
    streams[id] = {
      id,
      payload: stream.payload,
      schema: stream.schema,
      deadLetter: stream.deadLetter ?? false,
      batch: stream.batch ?? false,
      maxBytes: stream.maxBytes ?? DEFAULT_MAX_BYTES,
      throttle: stream.throttle,
      buffering: {
        seconds: stream.buffering?.seconds ?? TENANT_DEFAULTS.buffering.seconds,
        mebibytes: stream.buffering?.mebibytes ?? TENANT_DEFAULTS.buffering.mebibytes,
      },
      compression: stream.compression ?? TENANT_DEFAULTS.compression,
      delivery: stream.delivery ?? TENANT_DEFAULTS.delivery,
    };
  }
  const auth: AuthConfig =
    config.auth.issuer === 'self'
      ? {
          issuer: 'self',
          maxTokenDays:
            (config.auth as v.InferOutput<typeof SelfIssuerSchema>).maxTokenDays ?? TENANT_DEFAULTS.maxTokenDays,
          rotationDays:
            (config.auth as v.InferOutput<typeof SelfIssuerSchema>).rotationDays ?? TENANT_DEFAULTS.rotationDays,
          keyReaders: (config.auth as v.InferOutput<typeof SelfIssuerSchema>).keyReaders ?? [],
        }
      : { issuer: config.auth.issuer, audience: (config.auth as v.InferOutput<typeof ExternalIssuerSchema>).audience };
  return {
    tenant: config.tenant,
    auth,
    throttle: config.throttle ?? TENANT_DEFAULTS.throttle,
    storage: {
      expireAfterDays: config.storage?.expireAfterDays,
      infrequentAccessAfterDays: config.storage?.infrequentAccessAfterDays,
    },
    concurrency: config.concurrency ?? TENANT_DEFAULTS.concurrency,
    streams,
  };
}
