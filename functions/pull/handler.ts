/**
 * Placeholder of the pull function's entry, so that the stack can bundle it before the
 * runner lands; the runner's own handler (event `{ source, scheduledTime, runId? }`,
 * result `{ done, runId, summary? }`) replaces this file.
 */

/** The pull function's Lambda entry. */
export async function handler(): Promise<never> {
  throw new Error('the pull runner is not part of this build');
}
