/** What the client reports about records: rejected by the server (never retried) or not delivered. */

/** A record the server refused, with the server's reason. It is not retried. */
export interface Rejection {
  readonly stream: string;
  /** The record's text as it was sent. */
  readonly record: string;
  /** The answer's status: 202 (a batch with this record rejected), 400, 401, 403, 404, 413, 415 or 422. */
  readonly status: number;
  /** The record's errors (`rejected[].errors` of a batch answer), or the problem body of the answer. */
  readonly problem: unknown;
}

/** Records that got no final answer within the client's attempts (with a spool, a later client resends them). */
export interface Failure {
  readonly stream: string;
  readonly records: readonly string[];
  /** The last status, or the network error's message. */
  readonly reason: string;
}

/** A retry about to happen. */
export interface RetryNotice {
  readonly stream: string;
  /** The status that asked for it, or undefined after a network error. */
  readonly status: number | undefined;
  readonly attempt: number;
  readonly delayMs: number;
}

/** Counts since the client started. */
export interface ClientStats {
  accepted: number;
  rejected: number;
  failed: number;
  requests: number;
  retries: number;
}
