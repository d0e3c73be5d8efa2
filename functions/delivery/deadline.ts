/** Running one downstream call within the delivery deadline. */
import { DeadlineExceededError } from '#shared/contract/errors';

/**
 * The abort signal an SDK call is given: the shape the SDK's clients still accept (`aborted`
 * and `onabort`, declared by @smithy/types), not a platform AbortSignal. With a platform signal
 * the SDK adds and removes an EventTarget listener in each step of each attempt (its cost is in
 * docs/performance.md); with this one each step sets `onabort` to its own handler, so the step
 * running when the deadline passes (the HTTP request, or the wait before a retry) is the one
 * aborted. test/unit/functions/delivery/deadline-abort.test.ts checks that against a real client.
 * It suits the SDK's default Node handler (NodeHttpHandler), which every client here uses; the
 * fetch-based handler hands the signal to `fetch`, which takes platform AbortSignals only.
 */
export class DeadlineSignal {
  aborted = false;
  onabort: ((this: DeadlineSignal) => void) | null = null;

  /** Marks the signal aborted and tells the step that set `onabort` last. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.onabort?.call(this);
  }
}

/**
 * Runs `call` with a signal that aborts at `deadlineAt` (epoch ms), and settles no later than
 * then: the race, not the signal alone, is what keeps the answer inside the gateway's timeout
 * whatever a call does with its signal.
 */
export async function withinDeadline<T>(deadlineAt: number, call: (signal: DeadlineSignal) => Promise<T>): Promise<T> {
  const remaining = deadlineAt - Date.now();
  if (remaining <= 0) throw new DeadlineExceededError('The delivery deadline passed before the call.');
  const signal = new DeadlineSignal();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      signal.abort();
      reject(new DeadlineExceededError(`Downstream did not answer within the deadline (${remaining} ms).`));
    }, remaining);
  });
  try {
    return await Promise.race([call(signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
