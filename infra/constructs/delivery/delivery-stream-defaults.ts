/**
 * Pure settings of a Firehose delivery stream to the landing bucket, from a stream's
 * config. Prefixes and extensions come from shared/contract/storage-layout.ts, like local mode's.
 */

import type { StreamConfig } from '#shared/config/tenant-config';
import { channelLayout, errorOutputPrefix } from '#shared/contract/storage-layout';
import type { DeliveryChannel } from '#shared/ports/delivery-port';

/** What a delivery stream writes where, and how it batches. */
export interface DeliverySettings {
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  /**
   * Set explicitly: a custom extension replaces Firehose's own `.gz`, so the compressed
   * extension carries `.gz` itself and objects end in exactly `fileExtension(...)`.
   */
  readonly fileExtension: string;
  readonly bufferingHints: { readonly intervalInSeconds: number; readonly sizeInMBs: number };
  readonly compressionFormat: 'GZIP' | 'UNCOMPRESSED';
}

/** The delivery settings of a stream's records or of its dead-letter stream. */
export function deliverySettings(stream: StreamConfig, channel: DeliveryChannel): DeliverySettings {
  const { prefix, extension } = channelLayout(stream, channel);
  return {
    prefix,
    errorOutputPrefix: errorOutputPrefix(stream.id),
    fileExtension: extension,
    bufferingHints: { intervalInSeconds: stream.buffering.seconds, sizeInMBs: stream.buffering.mebibytes },
    compressionFormat: stream.compression === 'gzip' ? 'GZIP' : 'UNCOMPRESSED',
  };
}

/** The fixed part of a prefix template, before its first `!{...}` expression: the IAM object scope. */
export function staticPrefix(template: string): string {
  const dynamic = template.indexOf('!{');
  return dynamic === -1 ? template : template.slice(0, dynamic);
}
