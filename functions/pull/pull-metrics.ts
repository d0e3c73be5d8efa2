/** The metrics of a finished pull run, recorded once when it ends (whatever slice ends it). */
import type { MetricsRecorder } from '#shared/ports/metrics';
import type { RunSummary } from '#shared/pull/pull-run';

/**
 * Records PullRuns by outcome, the run's records, pages, retries and rate-limit waits, and
 * PullSecondsSinceLastSuccess: 0 after a success, else the time since the last success before
 * this run (not recorded while a source has never succeeded: there is no time to count from).
 */
export function recordRunMetrics(
  metrics: MetricsRecorder,
  tenant: string,
  summary: RunSummary,
  lastSuccessAt: string | undefined,
): void {
  const dimensions = { tenant, source: summary.source };
  metrics.count('PullRuns', { ...dimensions, outcome: summary.status });
  metrics.count('PullRecords', dimensions, summary.records);
  metrics.count('PullPages', dimensions, summary.pages);
  metrics.count('PullRetries', dimensions, summary.retries);
  metrics.count('PullRateLimitWaits', dimensions, summary.waits);
  if (summary.status === 'succeeded') {
    metrics.observe('PullSecondsSinceLastSuccess', dimensions, 0);
  } else if (lastSuccessAt !== undefined) {
    const seconds = (Date.parse(summary.endedAt) - Date.parse(lastSuccessAt)) / 1000;
    metrics.observe('PullSecondsSinceLastSuccess', dimensions, Math.max(0, Math.round(seconds)));
  }
}

/** Counts a tick that found its source busy (another run holds the lease): PullSkippedBusy, not a failed run. */
export function recordSkippedBusy(metrics: MetricsRecorder, tenant: string, source: string): void {
  metrics.count('PullSkippedBusy', { tenant, source });
}
