/**
 * `sluice status` as text: a table of the streams and one of the sources, with times as ages
 * ("12 s ago") and waits ("in 40 s") against the server's clock, so that the numbers read the
 * same whatever the terminal's time zone.
 */
import type { DevStatus, SourceStatus, StreamStatus } from '#local/observability/dev-status';
import { plural } from '../../shared/text/plural.ts';

/** Where nothing is to show. */
const NONE = '-';

/** A duration in the largest unit that keeps it short: `12 s`, `5 min`, `3 h`, `2 d`. */
export function shortDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3_600) return `${Math.floor(whole / 60)} min`;
  if (whole < 86_400) return `${Math.floor(whole / 3_600)} h`;
  return `${Math.floor(whole / 86_400)} d`;
}

function secondsBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

interface Column<Row> {
  readonly title: string;
  readonly cell: (row: Row) => string;
  /** Numbers align right. */
  readonly right?: boolean;
}

function table<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.right ? value.padStart(width) : value.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.title)), ...cells.map(line)].join('\n')}\n`;
}

function streamColumns(now: string): Column<StreamStatus>[] {
  return [
    { title: 'stream', cell: (row) => row.stream },
    { title: 'accepted', cell: (row) => String(row.accepted), right: true },
    { title: 'rejected', cell: (row) => String(row.rejected), right: true },
    { title: 'dead-lettered', cell: (row) => String(row.deadLettered), right: true },
    { title: 'buffered', cell: (row) => String(row.buffered), right: true },
    {
      title: 'oldest buffered',
      cell: (row) => (row.oldestBufferedSeconds === undefined ? NONE : shortDuration(row.oldestBufferedSeconds)),
    },
    {
      title: 'last object written',
      cell: (row) => (row.lastObject ? `${shortDuration(secondsBetween(row.lastObject.at, now))} ago` : NONE),
    },
    {
      title: 'last object',
      cell: (row) => (row.lastObject ? `${row.lastObject.key} (${plural(row.lastObject.records, 'record')})` : NONE),
    },
  ];
}

function nextRunCell(row: SourceStatus, now: string): string {
  if (row.nextRun === undefined) return 'not scheduled';
  return `in ${shortDuration(secondsBetween(now, row.nextRun))} (${row.nextRun})`;
}

function sourceColumns(now: string): Column<SourceStatus>[] {
  return [
    { title: 'source', cell: (row) => row.source },
    {
      title: 'last run',
      cell: (row) => (row.lastRun ? `${shortDuration(secondsBetween(row.lastRun.endedAt, now))} ago` : 'never'),
    },
    { title: 'outcome', cell: (row) => (row.running ? 'running' : (row.lastRun?.status ?? NONE)) },
    { title: 'records', cell: (row) => (row.lastRun ? String(row.lastRun.records) : NONE), right: true },
    { title: 'next run', cell: (row) => nextRunCell(row, now) },
  ];
}

/** The status as the tables `sluice status` prints. */
export function statusTables(status: DevStatus, url: string): string {
  const parts = [
    `Sluice dev server for tenant "${status.tenant}" at ${url} (counts since it started)\n`,
    table(streamColumns(status.now), status.streams),
  ];
  if (status.sources.length > 0) parts.push(table(sourceColumns(status.now), status.sources));
  return parts.join('\n');
}
