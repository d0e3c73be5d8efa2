/**
 * The tenant config: one `tenants/<name>.ts` per tenant, default-exporting
 * `defineTenant({...})`. Validated with valibot at synth time and at `sluice dev` start;
 * a bad config fails with a message that names the field.
 */
import * as v from 'valibot';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, DEFAULT_MAX_BYTES, MAX_RECORD_BYTES } from '../contract/contract.ts';
import { DELIVERY_STREAM_NAME_MAX, deliveryStreamName } from '../contract/delivery-stream-names.ts';
import { XML_RECORDS_PATH_PATTERN } from '../framing/xml-records.ts';
import { streamChannels } from '../ports/delivery-port.ts';
import { SOURCE_NAME_PATTERN, type SourceConfig, SourceSchema } from './source-config.ts';
import { strictEntries } from './strict-entries.ts';
import { WebhookAuthSchema } from './webhook-config.ts';

/** Stream ids: 1 to 64 letters, digits, `-` and `_` (they become a URL path segment and resource names). */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Most streams one tenant may have. The ingest function carries every stream's delivery
 * bindings in its environment, which Lambda caps at 4 KB (keys and values): at the longest
 * names the config allows, 12 streams with dead letters take about 3.2 KB, leaving room for
 * the other variables (test/infra/largest-tenant-stack.test.ts checks it).
 */
export const MAX_STREAMS_PER_TENANT = 12;

/** IAM role and user ARNs, as `aws:PrincipalArn` names a role session's role or a user. */
export const IAM_PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/[\w+=,.@/-]{1,512}$/;
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
const ThrottleSchema = strictEntries(
  {
    rate: positiveInteger(100_000, 'rate (requests per second)'),
    burst: positiveInteger(50_000, 'burst (requests)'),
  },
  'throttle',
);

const BufferingSchema = strictEntries(
  {
    seconds: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(0, 'seconds must be 0 to 900'),
        v.maxValue(900, 'seconds must be 0 to 900'),
      ),
      60,
    ),
    mebibytes: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(1, 'mebibytes must be 1 to 128'),
        v.maxValue(128, 'mebibytes must be 1 to 128'),
      ),
      5,
    ),
  },
  'buffering',
);

/** Longest Idempotency-Key window a stream may set: 7 days, so that the table stays small. */
export const MAX_IDEMPOTENCY_WINDOW_SECONDS = 604_800;

const IdempotencySchema = strictEntries(
  {
    /** How long a key is held after its first answer (docs/contract.md). */
    windowSeconds: v.optional(
      positiveInteger(MAX_IDEMPOTENCY_WINDOW_SECONDS, 'windowSeconds'),
      DEFAULT_IDEMPOTENCY_WINDOW_SECONDS,
    ),
  },
  'idempotency',
);

const RecordSchemaSchema = v.custom<v.GenericSchema>(
  (input) => typeof input === 'object' && input !== null && (input as { kind?: unknown }).kind === 'schema',
  'schema must be a valibot schema',
);

const StreamSchema = v.pipe(
  strictEntries(
    {
      payload: v.picklist(['json', 'xml'], 'payload must be "json" or "xml"'),
      schema: v.optional(RecordSchemaSchema),
      deadLetter: v.optional(v.boolean('deadLetter must be true or false'), false),
      batch: v.optional(v.boolean('batch must be true or false'), false),
      maxBytes: v.optional(positiveInteger(MAX_RECORD_BYTES, 'maxBytes'), DEFAULT_MAX_BYTES),
      /** This stream's route throttle; absent, the tenant's `throttle` applies. */
      throttle: v.optional(ThrottleSchema),
      buffering: v.optional(BufferingSchema, {}),
      compression: v.optional(v.picklist(['none', 'gzip'], 'compression must be "none" or "gzip"'), 'none'),
      delivery: v.optional(v.picklist(['direct', 'kinesis'], 'delivery must be "direct" or "kinesis"'), 'direct'),
      /** XML streams only: also land each record as NDJSON under `streams/<stream>/json/` for Athena (docs/analysts.md). */
      projection: v.optional(v.literal('json', 'projection must be "json"')),
      /** XML streams only: each element at this path from the root (`/records/record`) is one record. */
      records: v.optional(
        v.pipe(
          v.string('records must be a path of element names, such as "/records/record"'),
          v.regex(
            XML_RECORDS_PATH_PATTERN,
            'records must be a path of element names from the root element, each after a "/", such as "/records/record"',
          ),
        ),
      ),
      /** The `Idempotency-Key` window of this stream's posts. */
      idempotency: v.optional(IdempotencySchema, {}),
      /** HMAC-signed webhook posts instead of a bearer JWT (docs/webhooks.md). */
      auth: v.optional(WebhookAuthSchema),
    },
    'a stream',
  ),
  v.forward(
    v.check((stream) => !(stream.payload === 'xml' && stream.schema), 'a schema is only for JSON streams'),
    ['schema'],
  ),
  v.forward(
    v.check((stream) => !(stream.payload === 'xml' && stream.batch), 'batch posts are only for JSON streams'),
    ['batch'],
  ),
  v.forward(
    v.check(
      (stream) => !(stream.payload === 'json' && stream.projection),
      'projection is only for XML streams (JSON streams land as NDJSON already)',
    ),
    ['projection'],
  ),
  v.forward(
    v.check(
      (stream) => !(stream.payload === 'json' && stream.records !== undefined),
      'records is only for XML streams (a JSON stream takes several records as a batch: batch: true)',
    ),
    ['records'],
  ),
  v.readonly(),
);

const SelfIssuerSchema = strictEntries(
  {
    issuer: v.literal('self'),
    /** Longest lifetime of a token the CLI will sign; old public keys stay this long after a rotation. */
    maxTokenDays: v.optional(positiveInteger(365, 'maxTokenDays'), 30),
    /** Days between signing-key rotations. */
    rotationDays: v.optional(positiveInteger(365, 'rotationDays'), 90),
    /**
     * IAM role or user ARNs that may read the signing keys besides the issuer's own functions, such as
     * the role that runs `sluice token create --stack`. Everyone else is denied (ADR 0005).
     */
    keyReaders: v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.string(),
            v.regex(
              IAM_PRINCIPAL_ARN_PATTERN,
              'a key reader must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)',
            ),
          ),
        ),
        v.readonly(),
      ),
      [],
    ),
  },
  'auth',
);

const ExternalIssuerSchema = strictEntries(
  {
    issuer: v.pipe(
      v.string(),
      v.url('issuer must be "self" or an https URL'),
      v.startsWith('https://', 'issuer must be "self" or an https URL'),
    ),
    audience: v.pipe(
      v.array(v.pipe(v.string(), v.nonEmpty('an audience must not be empty'))),
      v.minLength(1, 'audience needs at least one value'),
      v.readonly(),
    ),
  },
  'auth',
);

const AuthSchema = v.variant(
  'issuer',
  [v.pipe(SelfIssuerSchema, v.readonly()), v.pipe(ExternalIssuerSchema, v.readonly())],
  'auth must be { issuer: "self" } or { issuer: "https://…", audience: [...] }',
);

const StorageSchema = strictEntries(
  {
    expireAfterDays: v.optional(positiveInteger(36_500, 'expireAfterDays')),
    infrequentAccessAfterDays: v.optional(
      v.pipe(
        positiveInteger(36_500, 'infrequentAccessAfterDays'),
        v.minValue(30, 'infrequentAccessAfterDays must be at least 30 (an S3 rule)'),
      ),
    ),
  },
  'storage',
);

/**
 * Athena's cutoff per query when the config is silent: 10 GiB, about $0.05 at $5 per TB
 * scanned, so that a query without a partition filter cannot run up a bill.
 */
export const DEFAULT_BYTES_SCANNED_CUTOFF_MB = 10_240;

/**
 * Dead-letter records per five minutes per stream above which the alarm fires when the config
 * is silent: a few bad records are the sender's to fix and each got its 400; a hundred in five
 * minutes means a sender (often a new release) is sending bad data at scale.
 */
export const DEFAULT_DEAD_LETTER_ALARM_RECORDS = 100;

const AlarmsSchema = strictEntries(
  {
    /** Subscribed to the alarm topic (the address must confirm the subscription). */
    email: v.optional(
      v.pipe(v.string('alarms.email must be a string'), v.email('alarms.email must be an email address')),
    ),
    /** The dead-letter alarm fires above this many dead-lettered records of one stream in five minutes. */
    deadLetterRecordsPerFiveMinutes: v.optional(
      positiveInteger(1_000_000, 'deadLetterRecordsPerFiveMinutes'),
      DEFAULT_DEAD_LETTER_ALARM_RECORDS,
    ),
  },
  'alarms',
);

const AnalyticsSchema = strictEntries(
  {
    /** Athena's `BytesScannedCutoffPerQuery` of the tenant's workgroup, in MiB (Athena's least is 10 MiB). */
    bytesScannedCutoffMb: v.optional(
      v.pipe(
        v.number(),
        v.integer('bytesScannedCutoffMb must be a whole number'),
        v.minValue(10, 'bytesScannedCutoffMb must be at least 10 (an Athena rule)'),
        v.maxValue(1_048_576, 'bytesScannedCutoffMb must be at most 1048576 (1 TiB)'),
      ),
      DEFAULT_BYTES_SCANNED_CUTOFF_MB,
    ),
  },
  'analytics',
);

const StreamsSchema = v.pipe(
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
  // Each stream carries its own id, so code handed one stream still knows which it is; its
  // schema and throttle keys are always there, `undefined` when the config sets none.
  v.transform((streams) =>
    Object.fromEntries(
      Object.entries(streams).map(([id, stream]) => [
        id,
        { id, ...stream, schema: stream.schema, throttle: stream.throttle } as const,
      ]),
    ),
  ),
  v.readonly(),
);

const SourcesSchema = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.regex(
        SOURCE_NAME_PATTERN,
        'a source name must be 1 to 40 lower-case letters, digits, "-" or "_", starting with a letter',
      ),
    ),
    SourceSchema,
  ),
  // Each source carries its own name, as each stream carries its id.
  v.transform(
    (sources): Readonly<Record<string, SourceConfig>> =>
      Object.fromEntries(Object.entries(sources).map(([name, source]) => [name, { ...source, name }])),
  ),
  v.readonly(),
);

const ConfigObjectSchema = strictEntries(
  {
    tenant: v.pipe(
      v.string('tenant must be a string'),
      v.regex(TENANT_NAME_PATTERN, 'tenant must be 1 to 32 lower-case letters, digits or "-", starting with a letter'),
    ),
    auth: AuthSchema,
    /**
     * Default throttle of each stream's route (API Gateway's `DefaultRouteSettings` apply per
     * route), not a tenant total: N streams may take N times this (docs/capacity.md).
     */
    throttle: v.optional(ThrottleSchema, { rate: 500, burst: 1000 }),
    storage: v.optional(StorageSchema, {}),
    /** The analyst side on AWS: Athena's workgroup settings. */
    analytics: v.optional(AnalyticsSchema, {}),
    streams: StreamsSchema,
    /** Pull sources: third-party APIs fetched on a schedule into a JSON stream (docs/pull.md). */
    sources: v.optional(SourcesSchema, {}),
    /** Where the stack's alarms go and the dead-letter alarm's threshold (docs/operations.md). */
    alarms: v.optional(AlarmsSchema, {}),
    /**
     * Opt-in reserved concurrency of the ingest function; none by default. The tenant's limit
     * is the route throttles, which answer 429. A reservation answers the gateway's 500 when a
     * burst exceeds it (HTTP APIs cannot remap a Lambda throttle), and a deploy fails when the
     * account's unreserved concurrency would drop below 100 (docs/capacity.md).
     */
    reservedConcurrency: v.optional(positiveInteger(10_000, 'reservedConcurrency')),
  },
  'the tenant config',
  {
    concurrency:
      'it was replaced by reservedConcurrency, which is off by default: the route throttles are the limit (docs/capacity.md)',
  },
);

type ConfigOutput = v.InferOutput<typeof ConfigObjectSchema>;

/** Delivery stream names that would be longer than Firehose allows, as messages. */
function overlongDeliveryStreamNames(config: ConfigOutput): string[] {
  return Object.entries(config.streams).flatMap(([id, stream]) =>
    streamChannels(stream)
      .map((channel) => deliveryStreamName(config.tenant, id, channel))
      .filter((name) => name.length > DELIVERY_STREAM_NAME_MAX)
      .map(
        (name) =>
          `stream "${id}": its delivery stream name ${name} has ${name.length} characters, over Firehose's ${DELIVERY_STREAM_NAME_MAX}; shorten the stream id or the tenant name`,
      ),
  );
}

/**
 * Adds an issue at `sources.<name>.stream` for each source whose stream is not a JSON stream
 * of the tenant (pulled records are JSON; an XML stream could not frame them).
 */
function checkSourceStreams(context: v.RawCheckContext<ConfigOutput>): void {
  if (!context.dataset.typed) return;
  const config = context.dataset.value;
  const { streams, sources } = config;
  for (const [name, source] of Object.entries(sources)) {
    const stream = Object.hasOwn(streams, source.stream) ? streams[source.stream] : undefined;
    if (stream?.payload === 'json') continue;
    const sourceInput: Record<string, unknown> = source;
    context.addIssue({
      message: stream
        ? `source "${name}" names stream "${source.stream}", which is an XML stream; a source lands in a JSON stream`
        : `source "${name}" names stream "${source.stream}", which this tenant does not have (it has ${Object.keys(streams).join(', ')})`,
      path: [
        { type: 'object', origin: 'value', input: config, key: 'sources', value: sources },
        { type: 'object', origin: 'value', input: sources, key: name, value: sourceInput },
        { type: 'object', origin: 'value', input: sourceInput, key: 'stream', value: source.stream },
      ],
    });
  }
}

/** The valibot schema of a tenant config: its one definition, defaults included. */
export const TenantConfigSchema = v.pipe(
  ConfigObjectSchema,
  v.rawCheck(checkSourceStreams),
  v.forward(
    v.check(
      (config) => overlongDeliveryStreamNames(config).length === 0,
      (issue) => overlongDeliveryStreamNames(issue.input as ConfigOutput).join('; '),
    ),
    ['streams'],
  ),
  v.readonly(),
);

/** A tenant config as written in `tenants/<name>.ts`. */
export type TenantConfigInput = v.InferInput<typeof TenantConfigSchema>;
/** One stream as written in the config. */
export type StreamConfigInput = v.InferInput<typeof StreamSchema>;
/** A validated tenant config with every default applied. */
export type TenantConfig = v.InferOutput<typeof TenantConfigSchema>;
/** A stream with every default applied, and its id. */
export type StreamConfig = TenantConfig['streams'][string];
/** The tenant's pull sources by name, each with its defaults and its name. */
export type SourcesConfig = TenantConfig['sources'];
/** Auth settings with defaults applied. */
export type AuthConfig = TenantConfig['auth'];
/** Payload type of a stream: one stream takes one. */
export type PayloadType = StreamConfig['payload'];
/** Compression Firehose applies to a stream's objects. */
export type Compression = StreamConfig['compression'];
/** How records reach Firehose: Direct PUT, or through an on-demand Kinesis Data Stream. */
export type DeliveryMode = StreamConfig['delivery'];

const selfIssuerDefaults = v.getDefaults(SelfIssuerSchema);

/** Defaults applied where the config is silent, as the schema holds them (docs and other code read them here). */
export const TENANT_DEFAULTS = {
  throttle: v.getDefault(ConfigObjectSchema.entries.throttle),
  buffering: v.getDefaults(BufferingSchema),
  compression: v.getDefault(StreamSchema.pipe[0].entries.compression),
  delivery: v.getDefault(StreamSchema.pipe[0].entries.delivery),
  maxTokenDays: selfIssuerDefaults.maxTokenDays,
  rotationDays: selfIssuerDefaults.rotationDays,
  idempotency: v.getDefaults(IdempotencySchema),
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

// Marks what defineTenant returned, so a loader can tell it from a plain object. A registry
// symbol, not a module-local one, so that two copies of this module still agree.
const DEFINED = Symbol.for('sluice.defineTenant');

/** Whether `value` was returned by {@link defineTenant} (a plain object with the same shape was not validated). */
export function isDefinedTenant(value: unknown): value is TenantConfig {
  return typeof value === 'object' && value !== null && (value as { [DEFINED]?: unknown })[DEFINED] === true;
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
  // Not enumerable: equality checks and JSON see the config alone.
  return Object.defineProperty(result.output, DEFINED, { value: true });
}
