/**
 * What `sluice dlq` prints: dead letters counted by problem and reason, the newest examples
 * shortened to a terminal line, and a replay's summary. Reasons are grouped without the value
 * a validator quotes (`… but received "12"`), so one cause is one row however many values hit it.
 */

import type { DeadLetterEntry } from './dead-letter-reader.ts';
import { reasonLabel, shortened } from './dead-letter-reason.ts';
import type { ReplaySummary } from './dead-letter-replay.ts';

/** Rows of the reason table, and examples, that `ls` prints at most. */
const LS_REASON_ROWS = 20;
const LS_EXAMPLES = 5;
/** Characters of a record an example shows. */
const EXAMPLE_RECORD_CHARS = 100;

/** The `ls` report of a selection; `replayed` says which of them a run already replayed. */
export function formatDeadLetterList(
  streamId: string,
  entries: readonly DeadLetterEntry[],
  replayed: ReadonlySet<string>,
  objects: number,
): string {
  if (entries.length === 0) return `no dead letters of ${streamId} in the window (${objects} object(s) read)\n`;
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const label = reasonLabel(entry.slug, entry.reasons[0]);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const done = entries.filter((entry) => replayed.has(entry.id)).length;
  const lines = [
    `${entries.length} dead letter(s) of ${streamId} in ${objects} object(s), ${done} already replayed`,
    '',
    'records  problem and reason',
    ...rows.slice(0, LS_REASON_ROWS).map(([label, count]) => `${String(count).padStart(7)}  ${label}`),
    ...(rows.length > LS_REASON_ROWS ? [`         … and ${rows.length - LS_REASON_ROWS} more reasons`] : []),
    '',
    'newest:',
  ];
  const newest = [...entries]
    .sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0))
    .slice(0, LS_EXAMPLES)
    .map((entry) => {
      const at = entry.at?.toISOString() ?? '(no time)';
      const where = entry.requestId
        ? `request ${entry.requestId}${entry.index === undefined ? '' : ` #${entry.index}`}`
        : `${entry.key}:${entry.line}`;
      const mark = replayed.has(entry.id) ? ' (replayed)' : '';
      return `  ${at}  ${entry.slug}  ${where}${mark}\n    ${shortened(entry.record ?? '', EXAMPLE_RECORD_CHARS)}`;
    });
  return `${[...lines, ...newest].join('\n')}\n`;
}

/** The replay's summary, the run id first. */
export function formatReplaySummary(summary: ReplaySummary): string {
  const skipped = Object.entries(summary.skipped);
  const skippedTotal = skipped.reduce((sum, [, count]) => sum + count, 0);
  const verb = summary.dryRun ? 'would be replayed' : 'replayed';
  const lines = [
    `run ${summary.run}${summary.dryRun ? ' (dry run: nothing delivered)' : ''}`,
    `${summary.replayed} ${verb}, ${summary.stillRejected} still rejected, ${skippedTotal} skipped (of ${summary.selected} selected)`,
  ];
  if (skippedTotal > 0) {
    lines.push(`skipped: ${skipped.map(([reason, count]) => `${count} ${reason}`).join(', ')}`);
  }
  if (summary.reasons.length > 0) {
    lines.push('still rejected, top reasons:');
    for (const { reason, records } of summary.reasons.slice(0, 5))
      lines.push(`${String(records).padStart(7)}  ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}
