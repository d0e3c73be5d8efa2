import { describe, expect, it } from 'vitest';
import { type EntrySender, type RetryPolicy, sendWithEntryRetries } from '#functions/delivery/entry-retries';
import { DownstreamThrottledError } from '#shared/contract/errors';

/** A sender that answers at once with every entry throttled. */
const alwaysThrottles: EntrySender<string> = async (entries) => entries.map(() => 'ServiceUnavailableException');

/** Sends under a deadline `deadlineMs` away; what it threw and whether that was before the deadline. */
async function throttledUntilGivenUp(deadlineMs: number, policy: RetryPolicy) {
  const deadlineAt = Date.now() + deadlineMs;
  const error = await sendWithEntryRetries(['a', 'b'], alwaysThrottles, {
    service: 'Firehose',
    deadlineAt,
    policy,
  }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { error, beforeDeadline: Date.now() < deadlineAt };
}

describe('the entry retry loop', () => {
  // A first wait of 149 ms under a 150 ms deadline ended at (or past) the deadline, and the
  // next call was refused as 504 although every entry had only been throttled.
  it('answers 429, before the deadline, when a wait would leave no time for another call', async () => {
    for (let run = 0; run < 3; run++) {
      const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 150, maxDelayMs: 2_000, random: () => 0.9999 };
      const { error, beforeDeadline } = await throttledUntilGivenUp(150, policy);
      expect(error).toBeInstanceOf(DownstreamThrottledError);
      expect(beforeDeadline).toBe(true);
    }
  });

  it('answers 429 before a 150 ms deadline with the default backoff and any jitter', async () => {
    for (const jitter of [0, 0.5, 0.9999]) {
      const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 2_000, random: () => jitter };
      const { error, beforeDeadline } = await throttledUntilGivenUp(150, policy);
      expect(error).toBeInstanceOf(DownstreamThrottledError);
      expect(beforeDeadline).toBe(true);
    }
  });
});
