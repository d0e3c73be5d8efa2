/** The one line a pull run prints when it ends, in `sluice dev` and `sluice pull` alike. */
import type { RunSummary } from '#shared/pull/pull-run';

/** `pull sample succeeded: 5 pages, 48 records, 2 retries, 0 waits, 1.2 s (last page)`. */
export function runSummaryLine(summary: RunSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const counts = `${summary.pages} pages, ${summary.records} records, ${summary.retries} retries, ${summary.waits} waits`;
  const cursor = summary.nextCursor === undefined ? '' : `, next cursor ${summary.nextCursor}`;
  return `pull ${summary.source} ${summary.status}: ${counts}, ${seconds} s (${summary.reason})${cursor}`;
}
