/**
 * Where records land in the bucket. The CDK stack gives these templates to Firehose;
 * local mode renders the same templates itself, so keys match exactly.
 */

import type { Compression, PayloadType, StreamConfig } from '../config/tenant-config.ts';
import type { DeliveryChannel } from '../ports/delivery-port.ts';

/** Top-level prefixes of the landing bucket. */
export const BUCKET_PREFIXES = { streams: 'streams/', deadLetter: 'dlq/', errors: 'errors/' } as const;

/** Where Athena writes query results inside the landing bucket (AWS only). */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';

const HOURLY_PARTITIONS = 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';

/** The folder above a stream's hour partitions of accepted records: `streams/<stream>/`. */
export function recordsFolder(streamId: string): string {
  return `${BUCKET_PREFIXES.streams}${streamId}/`;
}

/** Firehose `Prefix` for a stream's accepted records. */
export function recordsPrefix(streamId: string): string {
  return `${recordsFolder(streamId)}${HOURLY_PARTITIONS}`;
}

/** The folder above the hour partitions of an XML stream's JSON projection: `streams/<stream>/json/`. */
export function jsonProjectionFolder(streamId: string): string {
  return `${recordsFolder(streamId)}json/`;
}

/** Firehose `Prefix` for the NDJSON copy of an XML stream with `projection: 'json'`. */
export function jsonProjectionPrefix(streamId: string): string {
  return `${jsonProjectionFolder(streamId)}${HOURLY_PARTITIONS}`;
}

/** Firehose `Prefix` for a stream's dead-letter delivery stream. */
export function deadLetterPrefix(streamId: string): string {
  return `${BUCKET_PREFIXES.deadLetter}${streamId}/${HOURLY_PARTITIONS}`;
}

/**
 * The folder of a stream's dead-letter replay ledger, `dlq-replays/<stream>/`: outside `dlq/`,
 * so that neither `dead_letters` nor a Firehose prefix ever reads it (docs/dead-letters.md).
 */
export function replayLedgerFolder(streamId: string): string {
  return `dlq-replays/${streamId}/`;
}

/** Firehose `ErrorOutputPrefix` for a stream (records Firehose could not deliver). */
export function errorOutputPrefix(streamId: string): string {
  return `${BUCKET_PREFIXES.errors}${streamId}/!{firehose:error-output-type}/${HOURLY_PARTITIONS}`;
}

/** File extension Firehose appends to a stream's objects. */
export function fileExtension(payload: PayloadType, compression: Compression): string {
  const base = payload === 'xml' ? '.cbor' : '.ndjson';
  return compression === 'gzip' ? `${base}.gz` : base;
}

/** Dead-letter records are always NDJSON (one JSON object per rejected record). */
export function deadLetterExtension(compression: Compression): string {
  return fileExtension('json', compression);
}

/** Where one delivery channel of a stream lands: its Firehose `Prefix` template and object extension. */
export interface ChannelLayout {
  readonly prefix: string;
  readonly extension: string;
}

/**
 * The prefix and extension of one delivery channel of a stream: the one mapping the stack
 * gives Firehose and local mode renders.
 */
export function channelLayout(
  stream: Pick<StreamConfig, 'id' | 'payload' | 'compression'>,
  channel: DeliveryChannel,
): ChannelLayout {
  switch (channel) {
    case 'records':
      return { prefix: recordsPrefix(stream.id), extension: fileExtension(stream.payload, stream.compression) };
    case 'dead-letter':
      return { prefix: deadLetterPrefix(stream.id), extension: deadLetterExtension(stream.compression) };
    case 'json-projection':
      return { prefix: jsonProjectionPrefix(stream.id), extension: fileExtension('json', stream.compression) };
  }
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * Renders a prefix template the way Firehose does (UTC timestamp namespaces and the
 * error output type), for local mode and for tests.
 */
export function renderPrefix(template: string, at: Date, errorOutputType = 'processing-failed'): string {
  return template
    .replaceAll('!{timestamp:yyyy}', String(at.getUTCFullYear()))
    .replaceAll('!{timestamp:MM}', pad(at.getUTCMonth() + 1))
    .replaceAll('!{timestamp:dd}', pad(at.getUTCDate()))
    .replaceAll('!{timestamp:HH}', pad(at.getUTCHours()))
    .replaceAll('!{firehose:error-output-type}', errorOutputType);
}

/**
 * The object name Firehose gives a batch: `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`,
 * then the extension. The timestamp sorts batches oldest first.
 */
export function batchObjectName(deliveryStreamName: string, at: Date, id: string, extension: string): string {
  const stamp = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}-${pad(at.getUTCHours())}-${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}`;
  return `${deliveryStreamName}-1-${stamp}-${id}${extension}`;
}
