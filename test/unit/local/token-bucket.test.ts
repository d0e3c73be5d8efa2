import { describe, expect, it } from 'vitest';
import { TokenBucket, takeFromAll } from '#local/token-bucket';

describe('the token bucket', () => {
  it('lets the burst through at once, refuses the next, and refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    const taken = [1, 2, 3, 4].map(() => takeFromAll([bucket]));
    expect(taken).toEqual([true, true, true, false]);
    now = 500;
    expect(takeFromAll([bucket])).toBe(true);
    expect(takeFromAll([bucket])).toBe(false);
  });

  it('takes from no bucket when one of them is empty', () => {
    const now = 0;
    const tenant = new TokenBucket(10, 10, () => now);
    const stream = new TokenBucket(1, 1, () => now);
    expect(takeFromAll([tenant, stream])).toBe(true);
    expect(takeFromAll([tenant, stream])).toBe(false);
    // The refused request did not spend a tenant token: 9 remain.
    const results = Array.from({ length: 10 }, () => takeFromAll([tenant]));
    expect(results.filter(Boolean)).toHaveLength(9);
  });
});
