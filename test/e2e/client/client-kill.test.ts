/**
 * A smaller run of the client's kill test (the full one, 100,000 records, is
 * test/e2e/client-kill/run-kill-test.ts): seeded, so the kills fall at the same progress points
 * on every run.
 */
import { describe, expect, it } from 'vitest';
import { runKillChaos, seededRandom } from '../client-kill/kill-chaos.ts';

describe('sending through a spool while processes are killed', () => {
  it('sluice send --spool killed twice and run again lands every record exactly once', {
    timeout: 120_000,
  }, async () => {
    const counts = await runKillChaos({
      sender: 'cli',
      records: 2000,
      senderKills: 2,
      serverKills: 0,
      random: seededRandom(26),
    });
    expect(counts).toMatchObject({ landed: 2000, distinct: 2000, duplicated: 0, missing: 0, senderKills: 2 });
  });

  it('a library sender and sluice dev each killed once land every record exactly once', {
    timeout: 120_000,
  }, async () => {
    const counts = await runKillChaos({
      sender: 'library',
      records: 2000,
      senderKills: 1,
      serverKills: 1,
      random: seededRandom(22),
    });
    // The server's Idempotency-Key survives its own kill -9 (issue 22 §5), so a batch in flight
    // at the kill lands once too.
    expect(counts).toMatchObject({
      landed: 2000,
      distinct: 2000,
      duplicated: 0,
      missing: 0,
      senderKills: 1,
      serverKills: 1,
    });
  });
});
