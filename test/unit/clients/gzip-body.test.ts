import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultGzipAboveBytes, gzip } from '#clients/typescript/src/gzip-body';

describe('when the client gzips a body', () => {
  it.each([
    'http://127.0.0.1:4000',
    'http://127.255.0.9',
    'http://localhost:4000/',
    'http://LOCALHOST',
    'http://dev.localhost:8080',
    'http://[::1]:4000',
  ])('never to the loopback host of %s', (url) => {
    expect(defaultGzipAboveBytes(url)).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    'https://abc123.execute-api.eu-west-1.amazonaws.com',
    'http://10.0.0.5:4000',
    'http://127.0.0.1.nip.io',
    'http://localhost.example.com',
    'not a url',
  ])('from 64 KiB up to %s', (url) => {
    expect(defaultGzipAboveBytes(url)).toBe(65_536);
  });

  it('gzips to what gunzip reads back', async () => {
    const body = new TextEncoder().encode('{"id":1}\n'.repeat(1000));
    expect(gunzipSync(await gzip(body)).equals(Buffer.from(body))).toBe(true);
  });
});
