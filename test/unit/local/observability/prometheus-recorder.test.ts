import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusRecorder } from '#local/observability/prometheus-recorder';
import { METRIC_NAMES, metricDefinition, prometheusName } from '#shared/ports/metrics';

function recorder(streams: readonly string[] = ['orders']) {
  const registry = new Registry();
  const warnings: string[] = [];
  const metrics = createPrometheusRecorder(registry, {
    tenant: 'example',
    streams,
    warn: (message) => warnings.push(message),
  });
  return { registry, metrics, warnings };
}

describe('the Prometheus recorder of local mode', () => {
  it('registers every metric of the vocabulary under its Prometheus name, with its dimensions as labels', async () => {
    const { registry } = recorder();
    const exposed = await registry.getMetricsAsJSON();
    for (const name of METRIC_NAMES) {
      const metric = exposed.find((candidate) => candidate.name === prometheusName(name));
      expect(metric, name).toBeDefined();
      expect(metric?.help).toBe(metricDefinition(name).description);
    }
  });

  it('shows the record counters of every stream at 0 before anything was posted', async () => {
    const { registry } = recorder(['orders', 'events']);
    const text = await registry.metrics();
    expect(text).toContain('sluice_records_accepted_total{tenant="example",stream="orders"} 0');
    expect(text).toContain('sluice_records_rejected_total{tenant="example",stream="events"} 0');
    expect(text).toContain('sluice_records_dead_lettered_total{tenant="example",stream="events"} 0');
  });

  it('adds counts per label set and reads them back as the status counts of a stream', async () => {
    const { registry, metrics } = recorder(['orders', 'events']);
    metrics.count('RecordsAccepted', { tenant: 'example', stream: 'orders' }, 3);
    metrics.count('RecordsAccepted', { tenant: 'example', stream: 'orders' });
    metrics.count('RecordsRejected', { tenant: 'example', stream: 'orders' }, 2);
    metrics.count('RecordsDeadLettered', { tenant: 'example', stream: 'orders' }, 2);
    metrics.count('RecordsAccepted', { tenant: 'example', stream: 'events' }, 7);
    metrics.count('Requests', { tenant: 'example', stream: 'orders', status_class: '4xx' });
    expect(await metrics.streamCounts('orders')).toEqual({ accepted: 4, rejected: 2, deadLettered: 2 });
    expect(await metrics.streamCounts('events')).toEqual({ accepted: 7, rejected: 0, deadLettered: 0 });
    expect(await registry.metrics()).toContain(
      'sluice_requests_total{tenant="example",stream="orders",status_class="4xx"} 1',
    );
  });

  it('observes handler latency in seconds into a histogram, and a gauge as its last value', async () => {
    const { registry, metrics } = recorder();
    metrics.observe('HandlerLatency', { tenant: 'example', stream: 'orders' }, 30);
    metrics.observe('PullSecondsSinceLastSuccess', { tenant: 'example', source: 'sample' }, 90);
    metrics.observe('PullSecondsSinceLastSuccess', { tenant: 'example', source: 'sample' }, 12);
    const text = await registry.metrics();
    // 30 ms is 0.03 s: above the 0.025 bucket, inside the 0.05 one.
    expect(text).toContain('sluice_handler_latency_seconds_bucket{le="0.025",tenant="example",stream="orders"} 0');
    expect(text).toContain('sluice_handler_latency_seconds_bucket{le="0.05",tenant="example",stream="orders"} 1');
    expect(text).toContain('sluice_handler_latency_seconds_sum{tenant="example",stream="orders"} 0.03');
    expect(text).toContain('sluice_pull_seconds_since_last_success{tenant="example",source="sample"} 12');
  });

  it('never throws into the caller: a count prom-client refuses becomes a warning', () => {
    const { metrics, warnings } = recorder();
    expect(() => metrics.count('RecordsAccepted', { tenant: 'example', stream: 'orders' }, -1)).not.toThrow();
    expect(warnings).toEqual([expect.stringMatching(/^metric RecordsAccepted not recorded: /)]);
  });

  it('keeps two servers in one process apart: each has its own registry', async () => {
    const first = recorder();
    const second = recorder();
    first.metrics.count('RecordsAccepted', { tenant: 'example', stream: 'orders' }, 5);
    expect(await first.metrics.streamCounts('orders')).toMatchObject({ accepted: 5 });
    expect(await second.metrics.streamCounts('orders')).toMatchObject({ accepted: 0 });
  });
});
