import { describe, expect, it } from 'vitest';
import { TokenBucket } from '#local/gateway/token-bucket';

describe('the token bucket', () => {
  it('lets the burst through at once, refuses the next, and refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    const taken = [1, 2, 3, 4].map(() => bucket.tryTake());
    expect(taken).toEqual([true, true, true, false]);
    now = 500;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never holds more than the burst, however long it stood idle', () => {
    let now = 0;
    const bucket = new TokenBucket(1, 2, () => now);
    now = 60_000;
    expect([1, 2, 3].map(() => bucket.tryTake())).toEqual([true, true, false]);
  });
});
