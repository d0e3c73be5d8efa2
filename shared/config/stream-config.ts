/**
 * One stream of a tenant config, and the map of them: payload, schema, limits, buffering,
 * delivery and the stream's own auth. The tenant config (tenant-config.ts) holds the map.
 */
import * as v from 'valibot';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, DEFAULT_MAX_BYTES, MAX_RECORD_BYTES } from '../contract/contract.ts';
import { XML_RECORDS_PATH_PATTERN } from '../framing/xml-records.ts';
import { positiveInteger } from './positive-integer.ts';
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

/**
 * Throttle limits: up to what an account with raised API Gateway quotas can use. The account's
 * own quota (10,000 requests/s and 5,000 burst by default, shared by every API) still applies.
 */
export const ThrottleSchema = strictEntries(
  {
    rate: positiveInteger(100_000, 'rate (requests per second)'),
    burst: positiveInteger(50_000, 'burst (requests)'),
  },
  'throttle',
);

export const BufferingSchema = strictEntries(
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

export const IdempotencySchema = strictEntries(
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

export const StreamSchema = v.pipe(
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

export const StreamsSchema = v.pipe(
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
