import { describe, expect, it } from 'vitest';
import { STREAM_ID_PATTERN } from '#shared/config/stream-config';
import {
  METRIC_NAMES,
  METRICS,
  type MetricsRecorder,
  NO_METRICS,
  prometheusName,
  prometheusValue,
  STATUS_CLASSES,
  statusClass,
  UNKNOWN_STREAM,
} from '#shared/ports/metrics';

describe('the metric vocabulary', () => {
  it('names the metrics issue 15 asks for', () => {
    expect(METRIC_NAMES).toEqual(
      expect.arrayContaining([
        'Requests',
        'RecordsAccepted',
        'RecordsRejected',
        'RecordsDeadLettered',
        'BytesAccepted',
        'DeliveryRetries',
        'DeliveryThrottles',
        'HandlerLatency',
        'PullRuns',
        'PullRecords',
        'PullPages',
        'PullRetries',
        'PullRateLimitWaits',
        'PullSecondsSinceLastSuccess',
        'IdempotentReplays',
        'WebhookSignatureFailures',
      ]),
    );
  });

  it('records every metric per tenant, and per stream or per source', () => {
    for (const name of METRIC_NAMES) {
      const dimensions: readonly string[] = METRICS[name].dimensions;
      expect(dimensions[0], name).toBe('tenant');
      expect(dimensions.includes('stream') !== dimensions.includes('source'), name).toBe(true);
    }
  });

  it('derives Prometheus names that follow its conventions and are all different', () => {
    expect(prometheusName('RecordsAccepted')).toBe('sluice_records_accepted_total');
    expect(prometheusName('BytesAccepted')).toBe('sluice_bytes_accepted_total');
    expect(prometheusName('Requests')).toBe('sluice_requests_total');
    expect(prometheusName('HandlerLatency')).toBe('sluice_handler_latency_seconds');
    expect(prometheusName('PullSecondsSinceLastSuccess')).toBe('sluice_pull_seconds_since_last_success');
    const names = METRIC_NAMES.map(prometheusName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it('converts milliseconds to seconds for Prometheus and leaves other units alone', () => {
    expect(prometheusValue('HandlerLatency', 250)).toBe(0.25);
    expect(prometheusValue('BytesAccepted', 250)).toBe(250);
  });

  it('classes statuses at their boundaries', () => {
    expect([202, 399, 400, 499, 500, 504].map(statusClass)).toEqual(['2xx', '2xx', '4xx', '4xx', '5xx', '5xx']);
    expect(STATUS_CLASSES).toEqual(['2xx', '4xx', '5xx']);
  });

  it('keeps the unknown-stream value apart from every valid stream id', () => {
    expect(STREAM_ID_PATTERN.test(UNKNOWN_STREAM)).toBe(false);
  });
});

describe('the recorder port', () => {
  it('takes exactly the dimensions of each metric, and counters only through count', () => {
    const calls: unknown[] = [];
    const recorder: MetricsRecorder = {
      count: (name, dimensions, value) => calls.push(['count', name, dimensions, value]),
      observe: (name, dimensions, value) => calls.push(['observe', name, dimensions, value]),
    };
    recorder.count('Requests', { tenant: 't', stream: 's', status_class: '2xx' });
    recorder.observe('HandlerLatency', { tenant: 't', stream: 's' }, 12);
    // @ts-expect-error a timing is observed, not counted
    NO_METRICS.count('HandlerLatency', { tenant: 't', stream: 's' });
    // @ts-expect-error a per-source metric has no stream dimension
    NO_METRICS.count('PullPages', { tenant: 't', stream: 's' });
    expect(calls).toEqual([
      ['count', 'Requests', { tenant: 't', stream: 's', status_class: '2xx' }, undefined],
      ['observe', 'HandlerLatency', { tenant: 't', stream: 's' }, 12],
    ]);
  });
});
