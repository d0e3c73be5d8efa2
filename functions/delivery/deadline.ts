/** Running one downstream call within the delivery deadline. */
import { DeadlineExceededError } from '#shared/contract/errors';

/**
 * Runs `call` with an AbortSignal that fires at `deadlineAt` (epoch ms) and settles no later
 * than then: the SDK may still be sleeping between its own retries when the signal fires, so
 * the race, not the signal alone, is what keeps the answer inside the gateway's timeout.
 */
export async function withinDeadline<T>(deadlineAt: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const remaining = deadlineAt - Date.now();
  if (remaining <= 0) throw new DeadlineExceededError('The delivery deadline passed before the call.');
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceededError(`Downstream did not answer within the deadline (${remaining} ms).`));
    }, remaining);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
