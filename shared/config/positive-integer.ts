/**
 * Whole numbers from 1 to a maximum, with messages that name the field: the tenant config's
 * stream, auth, storage and tenant-wide limits all take them.
 */
import * as v from 'valibot';

/** A whole number from 1 to `max`; `what` names the field in each refusal. */
export const positiveInteger = (max: number, what: string) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
    v.maxValue(max, `${what} must be at most ${max}`),
  );
