/** A token bucket as API Gateway throttles with: `rate` tokens a second, up to `burst`. */

/** Takes one token per request; refills continuously. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = clock();
  }

  /** Whether a token is there now (refilling first). */
  available(): boolean {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
    return this.tokens >= 1;
  }

  /** Takes a token; call only after {@link available} said yes. */
  take(): void {
    this.tokens -= 1;
  }
}

/** Takes one token from every bucket, or from none when one of them is empty. */
export function takeFromAll(buckets: readonly TokenBucket[]): boolean {
  if (!buckets.every((bucket) => bucket.available())) return false;
  for (const bucket of buckets) bucket.take();
  return true;
}
