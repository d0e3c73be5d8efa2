/**
 * The tenant config: one `tenants/<name>.ts` per tenant, default-exporting
 * `defineTenant({...})`. Validated with valibot at synth time and at `sluice dev` start;
 * a bad config fails with a message that names the field.
 */
import * as v from 'valibot';
import { DELIVERY_STREAM_NAME_MAX, deliveryStreamName } from '../contract/delivery-stream-names.ts';
import { streamChannels } from '../ports/delivery-port.ts';
import { AlarmsSchema } from './alarm-config.ts';
import { AuthSchema, SelfIssuerSchema } from './auth-config.ts';
import { positiveInteger } from './positive-integer.ts';
import { SOURCE_NAME_PATTERN, type SourceConfig, SourceSchema } from './source-config.ts';
import { AnalyticsSchema, StorageSchema } from './storage-config.ts';
import { BufferingSchema, IdempotencySchema, StreamSchema, StreamsSchema, ThrottleSchema } from './stream-config.ts';
import { strictEntries } from './strict-entries.ts';

/** Tenant names: lower-case letters, digits and `-`, 1 to 32, starting with a letter (they name a stack). */
export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

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
