/**
 * Where the stack's alarms go and the dead-letter alarm's threshold (docs/operations.md).
 */
import * as v from 'valibot';
import { positiveInteger } from './positive-integer.ts';
import { strictEntries } from './strict-entries.ts';

/**
 * Dead-letter records per five minutes per stream above which the alarm fires when the config
 * is silent: a few bad records are the sender's to fix and each got its 400; a hundred in five
 * minutes means a sender (often a new release) is sending bad data at scale.
 */
export const DEFAULT_DEAD_LETTER_ALARM_RECORDS = 100;

export const AlarmsSchema = strictEntries(
  {
    /** Subscribed to the alarm topic (the address must confirm the subscription). */
    email: v.optional(
      v.pipe(v.string('alarms.email must be a string'), v.email('alarms.email must be an email address')),
    ),
    /** The dead-letter alarm fires above this many dead-lettered records of one stream in five minutes. */
    deadLetterRecordsPerFiveMinutes: v.optional(
      positiveInteger(1_000_000, 'deadLetterRecordsPerFiveMinutes'),
      DEFAULT_DEAD_LETTER_ALARM_RECORDS,
    ),
  },
  'alarms',
);
