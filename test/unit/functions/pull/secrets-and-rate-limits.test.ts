/**
 * No secret at rest: a page that echoes the request is stored (dead-lettered, landed) with every
 * secret value redacted. GitHub's primary rate limit (403, `x-ratelimit-remaining: 0`) is waited
 * out until `x-ratelimit-reset`, not reported as bad credentials.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceConfigInput } from '#shared/config/source-config';
import { FakeApi, type FakeRoute, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const SECRETS = {
  token: 'tok-SECRET-1',
  basic: '{"username":"ann","password":"pw-SECRET-2"}',
  key: 'key-SECRET-3',
  // As long as `[redacted]`: the redacted page has the length of the bytes it came from.
  tenChars: 'SECRET-10c',
};

async function pull(route: FakeRoute, input: Partial<SourceConfigInput>, clock = new FakeClock()) {
  api = await FakeApi.start(route);
  const delivery = new RecordingDelivery();
  const summary = await runPull(
    { tenant: 't', source: source({ request: { url: api.url('/items') }, ...input }), stream: stream(), runId: 'r' },
    {
      store: new MemoryStateStore(clock.now),
      secrets: secrets(SECRETS),
      delivery,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
    },
  );
  return { summary, delivery, clock };
}

/** Echoes the request's headers and URL in a page that is not JSON. */
const echo: FakeRoute = (request) => ({
  body: `<html>bad gateway for ${request.url.toString()} ${JSON.stringify(request.headers)}</html>`,
});

describe('no secret lands in dlq/', () => {
  it.each([
    ['bearer', { type: 'bearer', secret: 'token' }, 'tok-SECRET-1'],
    ['basic', { type: 'basic', secret: 'basic' }, 'pw-SECRET-2'],
    ['api-key header', { type: 'api-key', secret: 'key', in: 'header', name: 'x-api-key' }, 'key-SECRET-3'],
    ['api-key query', { type: 'api-key', secret: 'key', in: 'query', name: 'api_key' }, 'key-SECRET-3'],
  ] as const)('redacts an echoed %s secret from a dead-lettered page', async (_, auth, value) => {
    const { summary, delivery } = await pull(echo, { auth });
    expect(summary.status).toBe('failed');
    const dlq = delivery.lines('dead-letter').join('\n');
    expect(dlq).toContain('[redacted]');
    expect(dlq).not.toContain(value);
    expect(JSON.stringify(summary)).not.toContain(value);
  });

  it('redacts an echoed secret from landed records too', async () => {
    const { delivery } = await pull(
      (request) => ({ body: `[{"id":1,"seen":${JSON.stringify(request.headers.authorization)}}]` }),
      { auth: { type: 'bearer', secret: 'token' } },
    );
    expect(delivery.lines().join('')).not.toContain('tok-SECRET-1');
    expect(delivery.records()).toHaveLength(1);
  });

  it('redacts an echoed secret as long as its replacement from landed records', async () => {
    const { delivery } = await pull(
      (request) => ({ body: `[{"id":1,"seen":${JSON.stringify(request.headers['x-api-key'])}}]` }),
      { auth: { type: 'api-key', secret: 'tenChars', in: 'header', name: 'x-api-key' } },
    );
    expect(delivery.lines().join('')).toContain('"seen":"[redacted]"');
    expect(delivery.lines().join('')).not.toContain(SECRETS.tenChars);
  });
});

describe("GitHub's primary rate limit", () => {
  it('waits until x-ratelimit-reset after a 403 with no requests remaining, then lands the page', async () => {
    const clock = new FakeClock();
    const resetAt = Math.floor(clock.time / 1000) + 120;
    const serve = pagedApi('none', () => recordTexts(2), 2);
    let calls = 0;
    const { summary } = await pull(
      (request, fake) =>
        calls++ === 0
          ? {
              status: 403,
              headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) },
              body: { message: 'API rate limit exceeded' },
            }
          : serve(request, fake),
      { auth: { type: 'bearer', secret: 'token' } },
      clock,
    );
    expect(summary).toMatchObject({ status: 'succeeded', records: 2, waits: 1 });
    expect(clock.sleeps).toEqual([120_000]);
  });

  it('still reads a 403 with requests remaining as refused credentials', async () => {
    const { summary } = await pull(
      () => ({ status: 403, headers: { 'x-ratelimit-remaining': '42' }, body: { message: 'Bad credentials' } }),
      { auth: { type: 'bearer', secret: 'token' } },
    );
    expect(summary.status).toBe('failed');
    expect(summary.reason).toContain('check the credentials');
  });
});
