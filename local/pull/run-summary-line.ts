/** The one line a pull run prints when it ends, in `sluice dev` and `sluice pull` alike. */
import type { RunSummary } from '#shared/pull/pull-run';
import { plural } from '#shared/text/plural';

/** `pull sample succeeded: 5 pages, 48 records, 2 retries, 0 waits, 1.2 s (last page)`. */
export function runSummaryLine(summary: RunSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const counts = [
    plural(summary.pages, 'page'),
    plural(summary.records, 'record'),
    plural(summary.retries, 'retry', 'retries'),
    plural(summary.waits, 'wait'),
  ].join(', ');
  const cursor = summary.nextCursor === undefined ? '' : `, next cursor ${summary.nextCursor}`;
  return `pull ${summary.source} ${summary.status}: ${counts}, ${seconds} s (${summary.reason})${cursor}`;
}
