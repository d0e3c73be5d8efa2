import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/gateway/lambda-context';

afterEach(() => {
  vi.useRealTimers();
});

describe('the local Lambda context', () => {
  it('counts the remaining time down from the timeout and stops at zero', () => {
    vi.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') });
    const context = createLambdaContext('sluice-example-ingest', 28_000);
    const remaining = context.getRemainingTimeInMillis;
    vi.advanceTimersByTime(1_000);
    expect(remaining()).toBe(27_000);
    vi.advanceTimersByTime(30_000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  it('gives every invocation its own request id and refuses callback-style completion', () => {
    const first = createLambdaContext('sluice-example-ingest', 28_000);
    const second = createLambdaContext('sluice-example-ingest', 28_000);
    expect(first.awsRequestId).not.toBe(second.awsRequestId);
    expect(first.logStreamName).toBe(`local/${first.awsRequestId}`);
    expect(() => first.succeed('done')).toThrow('callback-style context methods are not supported');
  });
});
