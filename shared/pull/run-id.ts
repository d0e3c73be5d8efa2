/**
 * The identity of a pull run, derived in one place for AWS and local mode: the source's name
 * and the instant the run was due, in UTC to the second, e.g. `gh_issues-2025-01-01T101500Z`.
 * On AWS the state machine computes it in JSONata ({@link runIdJsonata}) and names the run's
 * execution with it, so that a retried or duplicated tick is the same run; locally
 * {@link runIdFor} computes the same text from the same instant. A test evaluates the state
 * machine's own expression against this function.
 *
 * The instant is normalized to UTC first: a manual start with an offset (`+01:00`) or with
 * fractions of a second names the same run as the scheduled start of that second, and the id
 * holds only characters that execution names and lease owners accept (no ':' and no '+').
 */

/** The JSONata picture of the time part: what {@link runIdFor} writes, as `$fromMillis` writes it. */
const TIME_PICTURE = '[Y0001]-[M01]-[D01]T[H01][m01][s01]Z';

/**
 * What a start's `scheduledTime` must look like (RFC 3339 with a zone), checked before the
 * expression below reads it: `$toMillis` fails the execution on anything else.
 */
export const SCHEDULED_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** JSONata of the run id from the source and a `scheduledTime` that matches {@link SCHEDULED_TIME_PATTERN}. */
export function runIdJsonata(source: string, scheduledTime: string): string {
  return `${source} & '-' & $fromMillis($toMillis(${scheduledTime}), '${TIME_PICTURE}')`;
}

/** The id of the run of `source` due at `at` (the scheduled time on AWS, the start time locally). */
export function runIdFor(source: string, at: Date): string {
  const time = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '');
  return `${source}-${time}`;
}
