import { describe, expect, it } from 'vitest';
import { deliverySettings } from '#infra/constructs/delivery/delivery-stream-defaults';
import { batchKey } from '#local/firehose/firehose-emulation';
import { defineTenant } from '#shared/config/tenant-config';
import { batchObjectName, channelLayout, renderPrefix } from '#shared/contract/storage-layout';

const tenant = defineTenant({
  tenant: 'layout',
  auth: { issuer: 'self' },
  streams: {
    plain: { payload: 'json', deadLetter: true },
    packed: { payload: 'xml', compression: 'gzip', deadLetter: true, projection: 'json' },
  },
});

const at = new Date('2026-03-04T05:06:07Z');

describe('the channel layout', () => {
  it('puts records under streams/ with the payload extension and dead letters under dlq/ as NDJSON', () => {
    const packed = tenant.streams.packed;
    if (!packed) throw new Error('no packed stream');
    expect(channelLayout(packed, 'records')).toEqual({
      prefix: 'streams/packed/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      extension: '.cbor.gz',
    });
    expect(channelLayout(packed, 'dead-letter')).toEqual({
      prefix: 'dlq/packed/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      extension: '.ndjson.gz',
    });
    expect(channelLayout(packed, 'json-projection')).toEqual({
      prefix:
        'streams/packed/json/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      extension: '.ndjson.gz',
    });
  });

  it.each([
    ['plain', 'records'],
    ['plain', 'dead-letter'],
    ['packed', 'records'],
    ['packed', 'dead-letter'],
    ['packed', 'json-projection'],
  ] as const)('is what the stack gives Firehose and what local mode writes for %s %s', (id, channel) => {
    const stream = tenant.streams[id];
    if (!stream) throw new Error(`no stream ${id}`);
    const layout = channelLayout(stream, channel);
    const settings = deliverySettings(stream, channel);
    expect({ prefix: settings.prefix, extension: settings.fileExtension }).toEqual(layout);
    const key = batchKey(tenant.tenant, stream, channel, at, 'batch-1');
    expect(key.startsWith(renderPrefix(layout.prefix, at))).toBe(true);
    expect(key.endsWith(batchObjectName('', at, 'batch-1', layout.extension).slice(1))).toBe(true);
  });
});
