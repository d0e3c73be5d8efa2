/** @sluice/client: send records to a Sluice stack from any JavaScript runtime with fetch. */
export type { ClientStats, Failure, Rejection, RetryNotice } from './delivery-outcome.ts';
export type { JsonObject } from './record-text.ts';
export type { Backoff } from './retry-policy.ts';
export {
  type FlushResult,
  SluiceClient,
  type SluiceClientOptions,
  type StreamSettings,
} from './sluice-client.ts';
export type { Spool, SpooledBatch, SpooledRecord, SpoolState } from './spool-port.ts';
export type { TokenProvider } from './token-source.ts';
