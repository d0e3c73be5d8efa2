/**
 * The metrics recorder on AWS: Powertools Metrics, which writes CloudWatch embedded metric
 * format (EMF) lines to stdout; CloudWatch Logs turns them into metrics, so recording costs
 * no API call and no latency. Values are kept until {@link EmfMetricsRecorder.publish}, which
 * the handlers call once per invocation.
 *
 * Powertools applies a flush's dimensions to every metric in it, while Sluice's metrics differ
 * in their dimensions (`Requests` has `status_class`, the others not), so values are grouped
 * by dimension set and each group is published as its own EMF line. Powertools' default
 * `service` dimension is dropped: the vocabulary's dimensions are the whole identity of a
 * metric, and the dashboard and alarms name exactly those.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type CounterName,
  METRICS,
  METRICS_NAMESPACE,
  type MetricDimensions,
  type MetricName,
  type MetricsRecorder,
  type ObservedName,
} from '#shared/ports/metrics';

interface DimensionGroup {
  readonly dimensions: Readonly<Record<string, string>>;
  /** Counters and gauges hold one value; timings every observation. */
  readonly values: Map<MetricName, number[]>;
}

/** A recorder that writes EMF through Powertools Metrics when published. */
export class EmfMetricsRecorder implements MetricsRecorder {
  readonly #metrics: Metrics;
  readonly #groups = new Map<string, DimensionGroup>();

  constructor(metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE })) {
    this.#metrics = metrics;
    this.#metrics.clearDefaultDimensions();
  }

  count<N extends CounterName>(name: N, dimensions: MetricDimensions<N>, value = 1): void {
    const values = this.#valuesOf(name, dimensions);
    values[0] = (values[0] ?? 0) + value;
  }

  observe<N extends ObservedName>(name: N, dimensions: MetricDimensions<N>, value: number): void {
    const values = this.#valuesOf(name, dimensions);
    if (METRICS[name].kind === 'gauge') values.splice(0, values.length, value);
    else values.push(value);
  }

  /** Writes what was recorded since the last publish, one EMF line per dimension set, and forgets it. */
  publish(): void {
    const groups = [...this.#groups.values()];
    this.#groups.clear();
    for (const group of groups) {
      for (const [name, value] of Object.entries(group.dimensions)) this.#metrics.addDimension(name, value);
      for (const [name, values] of group.values) {
        for (const value of values) this.#metrics.addMetric(name, METRICS[name].unit, value);
      }
      this.#metrics.publishStoredMetrics();
    }
  }

  #valuesOf(name: MetricName, dimensions: Readonly<Record<string, string>>): number[] {
    const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1)));
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { dimensions: { ...dimensions }, values: new Map() };
      this.#groups.set(key, group);
    }
    let values = group.values.get(name);
    if (values === undefined) {
      values = [];
      group.values.set(name, values);
    }
    return values;
  }
}
