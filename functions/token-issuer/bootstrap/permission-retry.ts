/**
 * Retries a deploy-time call while IAM is still propagating. The bootstrap runs minutes after
 * CloudFormation created its role and policy, often seconds: IAM is eventually consistent,
 * and the first Secrets Manager or KMS call of a role that new can be denied though its
 * policy allows it. The SDK does not retry an AccessDenied (it is not transient elsewhere),
 * so this does, for a bounded time; a denial that outlasts it is a real one and fails the deploy.
 */

/** Error names AWS answers for a denied call: Secrets Manager and SSM, IAM-style, and KMS behind them. */
export const ACCESS_DENIED_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'KMSAccessDeniedException',
]);

/** How long and how often {@link retryWhilePermissionsPropagate} tries. */
export interface PermissionRetryOptions {
  /** Total time allowed for retries, in ms: IAM propagation takes seconds, rarely past a minute. */
  readonly withinMs: number;
  /** The first wait, doubled after each denial up to {@link maxDelayMs}. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** The waits of a deploy: within 60 s, from 1 s up to 8 s apart. */
export const DEPLOY_PERMISSION_RETRY: PermissionRetryOptions = {
  withinMs: 60_000,
  firstDelayMs: 1_000,
  maxDelayMs: 8_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

const isAccessDenied = (error: unknown): boolean => error instanceof Error && ACCESS_DENIED_ERRORS.has(error.name);

/** Runs `call`, again after each AccessDenied until `withinMs` has passed; any other error at once. */
export async function retryWhilePermissionsPropagate<T>(
  call: () => Promise<T>,
  options: PermissionRetryOptions = DEPLOY_PERMISSION_RETRY,
): Promise<T> {
  const deadline = options.now() + options.withinMs;
  let delay = options.firstDelayMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isAccessDenied(error) || options.now() + delay > deadline) throw error;
      await options.sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}
