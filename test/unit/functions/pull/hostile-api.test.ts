import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { type SourceConfigInput, SourceSchema } from '#shared/config/source-config';
import { FakeApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function fake(route: Parameters<typeof FakeApi.start>[0]): Promise<FakeApi> {
  const api = await FakeApi.start(route);
  servers.push(api);
  return api;
}

/** A server whose answers the test writes by hand (compressed or endless bodies). */
async function rawServer(handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function pull(url: string, input: Partial<SourceConfigInput> = {}) {
  const clock = new FakeClock();
  const delivery = new RecordingDelivery();
  const store = new MemoryStateStore(clock.now);
  const summary = await runPull(
    {
      tenant: 't',
      source: source({ ...input, request: { url, ...input.request } }),
      stream: stream(),
      runId: 'run-1',
    },
    {
      store,
      secrets: secrets({ key: 'key-SECRET-3', token: 'tok-SECRET-1' }),
      delivery,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
    },
  );
  return { summary, delivery };
}

const apiKey = { type: 'api-key', secret: 'key', in: 'header', name: 'X-Api-Key' } as const;

describe('credentials go only to the origins the source names', () => {
  it.each([
    [
      'a next-URL in the body',
      (other: string) => ({ body: `{"data":[{"id":1}],"next":"${other}/steal"}` }),
      { type: 'next-url', path: '/next' },
    ],
    [
      'a Link header',
      (other: string) => ({ body: '[{"id":1}]', headers: { link: `<${other}/steal>; rel="next"` } }),
      { type: 'link-header' },
    ],
  ] as const)('ends the run failed at %s to another origin, which receives nothing', async (_, answer, paginate) => {
    const other = await fake(() => ({ body: '[]' }));
    const api = await fake((request) =>
      request.url.pathname === '/items' ? answer(other.origin) : { status: 404, body: {} },
    );
    const { summary, delivery } = await pull(api.url('/items'), {
      auth: apiKey,
      paginate,
      records: paginate.type === 'next-url' ? '/data' : '',
    });
    expect(summary.status).toBe('failed');
    expect(summary.reason).toContain(`origin refused`);
    expect(summary.reason).toContain(other.origin);
    expect(summary.reason).toContain('request.allowedOrigins');
    expect(other.requests).toHaveLength(0);
    expect(delivery.lines()).toHaveLength(1);
  });

  it.each([301, 302, 303, 307, 308])(
    'does not follow a %i redirect to another origin, with or without credentials',
    async (status) => {
      const other = await fake(() => ({ body: '[{"id":2}]' }));
      const api = await fake(() => ({ status, headers: { location: other.url('/elsewhere') }, body: '' }));
      const { summary } = await pull(api.url('/items'), { auth: apiKey });
      expect(summary.status).toBe('failed');
      expect(summary.reason).toContain(other.origin);
      expect(other.requests).toHaveLength(0);
    },
  );

  it('follows a redirect to its own origin and one the source lists, with the credentials', async () => {
    const listed = await fake((request) =>
      request.headers['x-api-key'] === 'key-SECRET-3'
        ? { body: `[${recordTexts(2).join(',')}]` }
        : { status: 401, body: {} },
    );
    const api = await fake((request) =>
      request.url.pathname === '/items'
        ? { status: 302, headers: { location: '/moved' }, body: '' }
        : { status: 307, headers: { location: listed.url('/data') }, body: '' },
    );
    const { summary, delivery } = await pull(api.url('/items'), {
      auth: apiKey,
      request: { url: api.url('/items'), allowedOrigins: [listed.origin] },
    });
    expect(summary).toMatchObject({ status: 'succeeded', records: 2 });
    expect(delivery.lines()).toHaveLength(2);
    expect(api.requestsTo('/moved')[0]?.headers['x-api-key']).toBe('key-SECRET-3');
  });

  it('refuses allowedOrigins that are not bare origins, naming the key', () => {
    const parsed = v.safeParse(SourceSchema, {
      stream: 'events',
      schedule: 'rate(1 hour)',
      request: { url: 'https://api.example.com/items', allowedOrigins: ['https://cdn.example.com/path'] },
    });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.issues)).toContain('allowedOrigins lists origins');
  });
});

describe('a page is read within its byte and record limits', () => {
  const page = (bytes: number) => {
    const shell = '[{"pad":""}]';
    return `[{"pad":"${'x'.repeat(bytes - shell.length)}"}]`;
  };

  it('takes a page of exactly maxPageBytes and refuses one byte more, delivering nothing of it', async () => {
    let size = 4096;
    const api = await fake(() => ({ body: page(size) }));
    expect((await pull(api.url('/items'), { maxPageBytes: 4096 })).summary.status).toBe('succeeded');
    size = 4097;
    const { summary, delivery } = await pull(api.url('/items'), { maxPageBytes: 4096 });
    expect(summary.status).toBe('failed');
    expect(summary.reason).toContain('body limit');
    expect(summary.reason).toContain('maxPageBytes (4,096 bytes decoded)');
    expect(delivery.lines()).toHaveLength(0);
  });

  it('stops inflating a gzip bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const url = await rawServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const { summary } = await pull(`${url}/items`, { maxPageBytes: 65_536 });
    expect(summary.status).toBe('failed');
    expect(summary.reason).toContain('body limit');
  });

  it('stops reading an endless body at the limit', async () => {
    const url = await rawServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const chunk = `${'{"a":1},'.repeat(1024)}`;
      const more = () => {
        if (!res.destroyed) res.write(chunk, () => setImmediate(more));
      };
      more();
    });
    const { summary } = await pull(`${url}/items`, { maxPageBytes: 65_536 });
    expect(summary.status).toBe('failed');
    expect(summary.reason).toContain('body limit');
  });

  it('ends the run failed at a body limit, not a bad page, when a page holds maxRecordsPerPage + 1 records, delivering none', async () => {
    const api = await fake(() => ({ body: `[${recordTexts(11).join(',')}]` }));
    const { summary, delivery } = await pull(api.url('/items'), { maxRecordsPerPage: 10 });
    expect(summary).toMatchObject({ status: 'failed', end: 'body limit', records: 0 });
    expect(summary.reason).toMatch(
      /^page 1 of source src \(http:\/\/127\.0\.0\.1:\d+\/items\): records limit: the page holds 11 records, more than maxRecordsPerPage \(10\)$/,
    );
    expect(delivery.lines()).toHaveLength(0);
    expect((await pull(api.url('/items'), { maxRecordsPerPage: 11 })).summary).toMatchObject({
      status: 'succeeded',
      records: 11,
    });
  });
});
