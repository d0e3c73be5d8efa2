import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryDelay } from '#clients/typescript/src/retry-policy';

describe('the client’s retries', () => {
  it('retries 409, 429 and 5xx, and nothing else', () => {
    const statuses = [200, 202, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503, 504];
    expect(statuses.filter(isRetryableStatus)).toEqual([409, 429, 500, 502, 503, 504]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('backs off exponentially between half and all of each step, up to the cap', () => {
    const backoff = { baseMs: 200, capMs: 10_000 };
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, backoff, () => 0))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, backoff, () => 1))).toEqual([200, 400, 800]);
    expect(backoffDelay(40, backoff, () => 1)).toBe(10_000);
  });

  it('waits what Retry-After asks, but never more than a minute', () => {
    const backoff = { baseMs: 200, capMs: 10_000 };
    expect(retryDelay(1, '2', backoff)).toBe(2000);
    expect(retryDelay(1, '86400', backoff)).toBe(60_000);
  });
});
