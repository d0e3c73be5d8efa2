/**
 * Names of a stream's delivery streams (Firehose, and Kinesis in front of it). They are
 * short and deterministic so that the ingest function's delivery bindings, which carry
 * them in its environment, fit Lambda's 4 KB; CloudFormation's generated names would not.
 * `.` separates the parts because neither tenant names nor stream ids may contain it, so
 * no two (tenant, stream, channel) triples share a name in an account.
 */
import type { DeliveryChannel } from '../ports/delivery-port.ts';

/** Longest Firehose delivery stream name (Kinesis allows 128). */
export const DELIVERY_STREAM_NAME_MAX = 64;

const CHANNEL_SUFFIXES: Readonly<Record<DeliveryChannel, string>> = {
  records: '',
  'dead-letter': '.dlq',
  'json-projection': '.json',
};

/** The JSON projection's Firehose stream name from its records' stream (or Kinesis source) name: `<records>.json`. */
export function jsonProjectionStreamName(recordsName: string): string {
  return `${recordsName}${CHANNEL_SUFFIXES['json-projection']}`;
}

/** The name of one delivery stream of a stream: `sluice.<tenant>.<stream>[.dlq|.json]`. */
export function deliveryStreamName(tenant: string, streamId: string, channel: DeliveryChannel): string {
  return `sluice.${tenant}.${streamId}${CHANNEL_SUFFIXES[channel]}`;
}
