import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isLocalOnlySource, pullFunctionMemoryMb } from '#infra/constructs/pull-sources-defaults';
import { MAX_PAGE_BYTES_LIMIT, SourceSchema } from '#shared/config/source-config';

const source = (url: string, maxPageBytes?: number) =>
  v.parse(SourceSchema, {
    stream: 'events',
    schedule: 'rate(1 minute)',
    request: { url },
    ...(maxPageBytes === undefined ? {} : { maxPageBytes }),
  });

describe('pull function memory', () => {
  it('is sized from the largest maxPageBytes of the sources', () => {
    expect(pullFunctionMemoryMb([source('https://a.example')])).toBe(576);
    expect(pullFunctionMemoryMb([source('https://a.example'), source('https://b.example', 64 * 1024 * 1024)])).toBe(
      896,
    );
  });

  it('stays within what Lambda allows at the largest maxPageBytes', () => {
    expect(pullFunctionMemoryMb([source('https://a.example', MAX_PAGE_BYTES_LIMIT)])).toBeLessThanOrEqual(10_240);
  });
});

describe('local-only sources', () => {
  it.each([
    ['http://sample-api.sluice.localhost/v1/events', true],
    ['http://localhost:8080/x', true],
    ['http://127.0.0.1:9000/x', true],
    ['https://api.github.com/repos', false],
    ['https://localhost.example.com/x', false],
  ])('%s is local-only: %s', (url, expected) => {
    expect(isLocalOnlySource(source(url))).toBe(expected);
  });
});
