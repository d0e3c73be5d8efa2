import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '#functions/api-docs/accept-encoding';

describe('Accept-Encoding negotiation of gzip', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate, br, zstd', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['br;q=1.0, gzip;q=0.5', true],
    ['gzip;q=0.001', true],
    ['*', true],
    ['*;q=0.1', true],
  ])('takes gzip for %j', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it.each([
    [undefined, false],
    ['', false],
    ['identity', false],
    ['br, deflate', false],
    ['gzip;q=0', false],
    ['gzip;q=0.0, br', false],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['gzip;q=abc', false],
  ])('does not take gzip for %j', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
