/**
 * The dev terminal's per-request lines, bounded: while whatever reads `sluice dev`'s output
 * (a terminal, `| tee`, a parent process) falls behind, Node keeps every unwritten line in
 * memory, so a stalled reader would grow the server without end. Past the backlog limit,
 * lines are left out and counted, and one line says how many once the reader caught up.
 */

/** Most bytes waiting to be written before per-request lines are left out. */
export const ACCESS_LOG_BACKLOG_LIMIT_BYTES = 1024 * 1024;

/** A writer of lines that leaves them out while `backlogBytes()` is over `limitBytes`. */
export function boundedLineWriter(
  write: (text: string) => void,
  backlogBytes: () => number,
  limitBytes = ACCESS_LOG_BACKLOG_LIMIT_BYTES,
): (line: string) => void {
  let skipped = 0;
  return (line) => {
    if (backlogBytes() > limitBytes) {
      skipped += 1;
      return;
    }
    if (skipped > 0) {
      write(
        `… ${skipped} request line${skipped === 1 ? '' : 's'} not shown: the output of sluice dev was not read fast enough\n`,
      );
      skipped = 0;
    }
    write(`${line}\n`);
  };
}
