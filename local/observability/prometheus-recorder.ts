/**
 * The metrics recorder of local mode: the port of shared/ports/metrics.ts on prom-client, with a
 * registry of its own (never prom-client's global one, which a second server in the same
 * process, as in tests, would share). Every metric of the vocabulary is registered under its
 * Prometheus name with its dimensions as labels: a counter as a Counter, a timing as a
 * Histogram, a gauge as a Gauge. The handlers record through it as they do through
 * EMF lines on AWS.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  type CounterName,
  DIMENSION,
  METRIC_NAMES,
  type MetricName,
  type MetricsRecorder,
  metricDefinition,
  PROMETHEUS_LATENCY_BUCKETS,
  prometheusName,
  prometheusValue,
} from '#shared/ports/metrics';
import type { StreamCounts } from './dev-status.ts';

type PromMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** The recorder, and the stream counts `sluice status` reads from the same counters. */
export interface PrometheusRecorder extends MetricsRecorder {
  /** Records accepted, rejected and dead-lettered of a stream since the server started. */
  streamCounts(stream: string): Promise<StreamCounts>;
  /**
   * Follows a reloaded config: an added stream's counters appear at 0, and a removed stream's
   * series leave every metric, so that /metrics shows the streams the server serves.
   */
  followStreams(streams: readonly string[]): Promise<void>;
}

function createMetric(registry: Registry, name: MetricName): PromMetric {
  const definition = metricDefinition(name);
  const common = {
    name: prometheusName(name),
    help: definition.description,
    labelNames: [...definition.dimensions],
    registers: [registry],
  };
  switch (definition.kind) {
    case 'counter':
      return new Counter(common);
    case 'timing':
      return new Histogram({ ...common, buckets: [...PROMETHEUS_LATENCY_BUCKETS] });
    default:
      return new Gauge(common);
  }
}

/** Counters that `sluice status` shows, present (at 0) for every stream from the start. */
const STREAM_COUNTERS = ['RecordsAccepted', 'RecordsRejected', 'RecordsDeadLettered', 'BytesAccepted'] as const;

/** Registers the vocabulary on `registry` and returns the recorder that feeds it. */
export function createPrometheusRecorder(
  registry: Registry,
  options: { readonly tenant: string; readonly streams: readonly string[]; readonly warn?: (message: string) => void },
): PrometheusRecorder {
  const metrics = new Map<MetricName, PromMetric>(METRIC_NAMES.map((name) => [name, createMetric(registry, name)]));
  // A counter that exists at 0 lets a scraper's rate() see the first record.
  const zeroCounters = (streams: readonly string[]) => {
    for (const stream of streams) {
      for (const name of STREAM_COUNTERS) {
        (metrics.get(name) as Counter<string>).inc(
          { [DIMENSION.tenant]: options.tenant, [DIMENSION.stream]: stream },
          0,
        );
      }
    }
  };
  zeroCounters(options.streams);
  let served = new Set(options.streams);
  // The port promises that recording never throws into the request's path.
  const guarded = (name: MetricName, record: () => void) => {
    try {
      record();
    } catch (error) {
      options.warn?.(`metric ${name} not recorded: ${(error as Error).message}`);
    }
  };
  const counted = async (name: CounterName, stream: string): Promise<number> => {
    const { values } = await (metrics.get(name) as Counter<string>).get();
    return values
      .filter((value) => value.labels[DIMENSION.stream] === stream)
      .reduce((sum, value) => sum + value.value, 0);
  };
  return {
    count(name, dimensions, value = 1) {
      guarded(name, () => (metrics.get(name) as Counter<string>).inc({ ...dimensions }, value));
    },
    observe(name, dimensions, value) {
      guarded(name, () => {
        const metric = metrics.get(name);
        if (metric instanceof Histogram) metric.observe({ ...dimensions }, prometheusValue(name, value));
        else (metric as Gauge<string>).set({ ...dimensions }, prometheusValue(name, value));
      });
    },
    async streamCounts(stream) {
      const [accepted, rejected, deadLettered] = await Promise.all([
        counted('RecordsAccepted', stream),
        counted('RecordsRejected', stream),
        counted('RecordsDeadLettered', stream),
      ]);
      return { accepted, rejected, deadLettered };
    },
    async followStreams(streams) {
      const removed = new Set([...served].filter((stream) => !streams.includes(stream)));
      served = new Set(streams);
      zeroCounters(streams);
      if (removed.size === 0) return;
      for (const metric of metrics.values()) {
        const { values } = await metric.get();
        for (const value of values) {
          if (!removed.has(String(value.labels[DIMENSION.stream]))) continue;
          // A histogram's bucket samples add `le`, which is no label of the series.
          const { le: _bucket, ...labels } = value.labels;
          metric.remove(labels as Record<string, string | number>);
        }
      }
    },
  };
}
