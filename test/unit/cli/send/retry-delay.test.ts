import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryable, parseRetryAfter } from '#cli/send/retry-delay';

describe('send retries', () => {
  it('retries 429 and 5xx only', () => {
    expect([202, 400, 401, 403, 404, 413, 415, 429, 500, 503, 504].filter(isRetryable)).toEqual([429, 500, 503, 504]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('backs off exponentially with jitter between half and all of each step, up to the cap', () => {
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, 200, 10_000, () => 0))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, 200, 10_000, () => 1))).toEqual([200, 400, 800]);
    expect(backoffDelay(20, 200, 10_000, () => 1)).toBe(10_000);
  });
});
