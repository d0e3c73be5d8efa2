/**
 * The metric vocabulary of Sluice, written once: every metric's CloudWatch name, unit, kind,
 * dimensions and meaning. On AWS the functions write them as EMF lines (namespace
 * {@link METRICS_NAMESPACE}); locally the dev server serves them at /metrics in the Prometheus
 * text format, under names derived by {@link prometheusName} and with the same labels. The
 * dashboard, the alarms and docs/operations.md read them from here.
 *
 * Every dimension value is bounded: a tenant, a stream or source of its config, a status class
 * or a run outcome. Nothing per request (ids, paths, tokens) is ever a dimension.
 */

/** CloudWatch namespace of every Sluice metric. */
export const METRICS_NAMESPACE = 'Sluice';

/** Dimension (CloudWatch) and label (Prometheus) names; the same in both places. */
export const DIMENSION = {
  tenant: 'tenant',
  stream: 'stream',
  source: 'source',
  /** `2xx`, `4xx` or `5xx`: the class of the status the function answered. */
  statusClass: 'status_class',
  /** How a pull run ended: its RunStatus (shared/pull/pull-run.ts). */
  outcome: 'outcome',
} as const;

/** A dimension name. */
export type DimensionName = (typeof DIMENSION)[keyof typeof DIMENSION];

/** The status classes a request can end in. */
export const STATUS_CLASSES = ['2xx', '4xx', '5xx'] as const;
/** A status class. */
export type StatusClass = (typeof STATUS_CLASSES)[number];

/**
 * The `stream` value of a request whose stream id the tenant has not: the id is the client's
 * text, so it must not become a dimension value. Not a valid stream id (STREAM_ID_PATTERN).
 */
export const UNKNOWN_STREAM = '(unknown)';

/**
 * How a metric behaves. `counter`: a sum that only grows (per period on CloudWatch, `_total`
 * in Prometheus). `timing`: a distribution of durations (CloudWatch statistics and
 * percentiles; a Prometheus histogram). `gauge`: the last value wins.
 */
export type MetricKind = 'counter' | 'timing' | 'gauge';

/** CloudWatch units in use (a subset of CloudWatch's StandardUnit, with the same strings). */
export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'Seconds';

/** What the docs, the recorders and the infra need to know about one metric. */
export interface MetricDefinition {
  readonly unit: MetricUnit;
  readonly kind: MetricKind;
  readonly dimensions: readonly DimensionName[];
  /** One sentence: the docs' table and the Prometheus help text. */
  readonly description: string;
}

const PER_STREAM = [DIMENSION.tenant, DIMENSION.stream] as const;
const PER_SOURCE = [DIMENSION.tenant, DIMENSION.source] as const;

/** Every metric, by its CloudWatch name. */
export const METRICS = {
  Requests: {
    unit: 'Count',
    kind: 'counter',
    dimensions: [...PER_STREAM, DIMENSION.statusClass],
    description:
      'Requests the ingest function answered, by status class (2xx, 4xx, 5xx); requests refused by the gateway itself (401, 403, 429) and dry runs (DryRuns) are not counted here.',
  },
  DryRuns: {
    unit: 'Count',
    kind: 'counter',
    dimensions: [...PER_STREAM, DIMENSION.statusClass],
    description:
      'Dry runs (POST /stream/v0/validate/<stream>) the ingest function answered, by status class; their records count in no record metric, as nothing was posted.',
  },
  RecordsAccepted: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Records Firehose or Kinesis acknowledged into the stream, posted or pulled.',
  },
  RecordsRejected: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Records refused as malformed or invalid: every record of a 400, and the rejected entries of a batch.',
  },
  RecordsDeadLettered: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: "Rejected records acknowledged by the stream's dead-letter delivery stream (streams with deadLetter).",
  },
  BytesAccepted: {
    unit: 'Bytes',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Bytes of the accepted records as they land (framed: a JSON line or a CBOR item each).',
  },
  DeliveryRetries: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Records sent to Firehose or Kinesis again after a partial failure of a batch call.',
  },
  DeliveryThrottles: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Records Firehose or Kinesis answered as throttled (before any retry).',
  },
  HandlerLatency: {
    unit: 'Milliseconds',
    kind: 'timing',
    dimensions: PER_STREAM,
    description: 'Time from the request reaching the ingest function to its answer, any status.',
  },
  IdempotentReplays: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description:
      'Requests answered from the idempotency store: an Idempotency-Key seen before, nothing delivered again.',
  },
  WebhookSignatureFailures: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_STREAM,
    description: 'Webhook posts refused because their HMAC signature was missing, stale or wrong.',
  },
  PullRuns: {
    unit: 'Count',
    kind: 'counter',
    dimensions: [...PER_SOURCE, DIMENSION.outcome],
    description: 'Pull runs that ended, by outcome (succeeded, partial, failed).',
  },
  PullRecords: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_SOURCE,
    description: 'Records a pull source delivered to its stream (committed pages only).',
  },
  PullPages: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_SOURCE,
    description: 'Pages a pull source fetched and committed.',
  },
  PullRetries: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_SOURCE,
    description: 'Page requests retried after a 5xx, a timeout or a connection error.',
  },
  PullRateLimitWaits: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_SOURCE,
    description: 'Waits a pull source made because the API asked for one (429 or Retry-After).',
  },
  PullSkippedBusy: {
    unit: 'Count',
    kind: 'counter',
    dimensions: PER_SOURCE,
    description:
      'Scheduled or manual starts that found the source busy (its lease held by a running run) and started nothing.',
  },
  PullSecondsSinceLastSuccess: {
    unit: 'Seconds',
    kind: 'gauge',
    dimensions: PER_SOURCE,
    description: 'Seconds since the last succeeded run of the source ended, as of its latest run.',
  },
} as const satisfies Readonly<Record<string, MetricDefinition>>;

/** A metric's CloudWatch name. */
export type MetricName = keyof typeof METRICS;

type KindOf<N extends MetricName> = (typeof METRICS)[N]['kind'];

/** Metrics that are counted. */
export type CounterName = { [N in MetricName]: KindOf<N> extends 'counter' ? N : never }[MetricName];
/** Metrics that are observed: timings and gauges. */
export type ObservedName = Exclude<MetricName, CounterName>;

/** The dimension values a metric is recorded with: exactly its dimensions. */
export type MetricDimensions<N extends MetricName> = {
  readonly [D in (typeof METRICS)[N]['dimensions'][number]]: string;
};

/** Every metric name, in the vocabulary's order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The definition of a metric. */
export function metricDefinition(name: MetricName): MetricDefinition {
  return METRICS[name];
}

/** The status class of an HTTP status. */
export function statusClass(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return '2xx';
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The Prometheus name of a metric: `sluice_` and the snake-cased CloudWatch name, with the
 * Prometheus conventions for base units and counters. `RecordsAccepted` →
 * `sluice_records_accepted_total`; `BytesAccepted` → `sluice_bytes_accepted_total`;
 * `HandlerLatency` (milliseconds) → `sluice_handler_latency_seconds`;
 * `PullSecondsSinceLastSuccess` → `sluice_pull_seconds_since_last_success`.
 */
export function prometheusName(name: MetricName): string {
  const { unit, kind } = METRICS[name];
  const base = `sluice_${snakeCase(name)}`;
  const unitSuffix = unit === 'Milliseconds' ? '_seconds' : '';
  return `${base}${unitSuffix}${kind === 'counter' ? '_total' : ''}`;
}

/** A value in the metric's CloudWatch unit, converted to Prometheus' base unit (milliseconds to seconds). */
export function prometheusValue(name: MetricName, value: number): number {
  return METRICS[name].unit === 'Milliseconds' ? value / 1000 : value;
}

/** Histogram buckets (seconds) for Prometheus timings: the ingest answer spans milliseconds to the 25 s deadline. */
export const PROMETHEUS_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25,
];

/**
 * The port through which code records metrics: EMF lines on AWS, prom-client
 * locally, {@link NO_METRICS} where nothing watches. Recording never throws into the caller's
 * path and never waits: a metric is not worth a failed request.
 */
export interface MetricsRecorder {
  /** Adds `value` (default 1) to a counter. */
  count<N extends CounterName>(name: N, dimensions: MetricDimensions<N>, value?: number): void;
  /** Records one observation of a timing, or the current value of a gauge, in the metric's unit. */
  observe<N extends ObservedName>(name: N, dimensions: MetricDimensions<N>, value: number): void;
}

/** A recorder that records nothing. */
export const NO_METRICS: MetricsRecorder = {
  count: () => {},
  observe: () => {},
};
