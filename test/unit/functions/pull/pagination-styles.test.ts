import { afterEach, describe, expect, it } from 'vitest';
import type { SourceConfigInput } from '#shared/config/source-config';
import { FakeApi, type PageStyle, pagedApi, recordTexts } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const styles: Record<PageStyle, (api: FakeApi) => Partial<SourceConfigInput>> = {
  none: () => ({ records: '', paginate: { type: 'none' } }),
  'link-header': () => ({ records: '', paginate: { type: 'link-header' } }),
  'next-url': () => ({ records: '/data', paginate: { type: 'next-url', path: '/next' } }),
  cursor: () => ({ records: '/results', paginate: { type: 'cursor', path: '/paging/next/after', param: 'after' } }),
  graphql: (fake) => ({
    request: { url: fake.url('/items'), method: 'POST', body: { query: '{ items }', variables: { first: 7 } } },
    records: '/data/items/nodes',
    paginate: {
      type: 'cursor',
      path: '/data/items/pageInfo/endCursor',
      bodyPath: '/variables/after',
      hasMore: '/data/items/pageInfo/hasNextPage',
    },
  }),
  offset: () => ({
    records: '/items',
    paginate: { type: 'offset', param: 'offset', limitParam: 'limit', limit: 7, total: '/total' },
  }),
  page: () => ({
    records: '/items',
    paginate: { type: 'page', param: 'page', sizeParam: 'per_page', size: 7, totalPages: '/total_pages' },
  }),
};

async function pull(input: Partial<SourceConfigInput>, fake: FakeApi) {
  const clock = new FakeClock();
  const delivery = new RecordingDelivery();
  const store = new MemoryStateStore(clock.now);
  const config = source({ request: { url: fake.url('/items') }, ...input });
  const summary = await runPull(
    { tenant: 't', source: config, stream: stream(), runId: 'run-1' },
    { store, secrets: secrets(), delivery, now: clock.now, sleep: clock.sleep },
  );
  return { summary, delivery, store };
}

describe('pagination', () => {
  for (const style of Object.keys(styles) as PageStyle[]) {
    it(`lands every record exactly once with ${style} pagination`, async () => {
      const data = recordTexts(30);
      api = await FakeApi.start(pagedApi(style, () => data, 7));
      const { summary, delivery } = await pull(styles[style](api), api);
      const landed = delivery.records().map((record) => record.n);
      expect(landed).toEqual(data.map((_, index) => index));
      expect(summary).toMatchObject({ status: 'succeeded', records: 30 });
      if (style !== 'none') expect(summary.pages).toBeGreaterThanOrEqual(5);
    });
  }

  it('stops on the last page the API announces without asking for an empty one', async () => {
    const data = recordTexts(14);
    api = await FakeApi.start(pagedApi('offset', () => data, 7));
    const { summary } = await pull(styles.offset(api), api);
    expect(summary).toMatchObject({ status: 'succeeded', reason: 'last page', pages: 2, records: 14 });
    expect(api.requests).toHaveLength(2);
  });

  it('stops on an empty page when the API gives no total', async () => {
    const data = recordTexts(14);
    api = await FakeApi.start(pagedApi('offset', () => data, 7));
    const { summary } = await pull(
      { records: '/items', paginate: { type: 'offset', param: 'offset', limitParam: 'limit', limit: 7 } },
      api,
    );
    expect(summary).toMatchObject({ status: 'succeeded', reason: 'empty page', pages: 3, records: 14 });
  });

  it('stops on a cursor it has already followed in this run instead of looping', async () => {
    api = await FakeApi.start((request) => {
      const after = request.url.searchParams.get('after');
      // c1 → c2 → c1 → …: a broken API that cycles.
      const next = after === 'c1' ? 'c2' : 'c1';
      return { body: `{"results":[{"id":"${after ?? 'start'}"}],"next":"${next}"}` };
    });
    const { summary } = await pull(
      { records: '/results', paginate: { type: 'cursor', path: '/next', param: 'after' } },
      api,
    );
    expect(summary).toMatchObject({ status: 'succeeded', reason: 'repeated cursor', pages: 3 });
    expect(api.requests.map((request) => request.url.searchParams.get('after'))).toEqual([null, 'c1', 'c2']);
  });

  it('follows a 64-bit number cursor digit for digit and a string cursor with escapes decoded', async () => {
    const bodies: Record<string, string> = {
      start: '{"results":[{"id":1}],"next":18446744073709551617}',
      '18446744073709551617': '{"results":[{"id":2}],"next":"p\\u00e9\\/2"}',
      'p\u00e9/2': '{"results":[{"id":3}],"next":null}',
    };
    api = await FakeApi.start((request) => ({
      body: bodies[request.url.searchParams.get('after') ?? 'start'] ?? '[]',
    }));
    const { summary } = await pull(
      { records: '/results', paginate: { type: 'cursor', path: '/next', param: 'after' } },
      api,
    );
    expect(summary).toMatchObject({ status: 'succeeded', records: 3, pages: 3 });
    expect(api.requests.map((request) => request.url.searchParams.get('after'))).toEqual([
      null,
      '18446744073709551617',
      'p\u00e9/2',
    ]);
  });

  it('stops on a next URL it has already requested in this run', async () => {
    api = await FakeApi.start((request) => ({
      body: '[{"id":1}]',
      headers: { link: `<${request.url.pathname}?from=0>; rel="next"` },
    }));
    const { summary } = await pull({ paginate: { type: 'link-header' } }, api);
    expect(summary).toMatchObject({ status: 'succeeded', reason: 'repeated URL', pages: 2 });
  });

  it('follows exactly maxPages pages and says so, and finishes normally when the data ends at maxPages', async () => {
    const data = recordTexts(30);
    api = await FakeApi.start(pagedApi('cursor', () => data, 10));
    const cut = await pull({ ...styles.cursor(api), maxPages: 2 }, api);
    expect(cut.summary).toMatchObject({ status: 'succeeded', reason: 'maxPages (2) reached', pages: 2, records: 20 });
    const whole = await pull({ ...styles.cursor(api), maxPages: 3 }, api);
    expect(whole.summary).toMatchObject({ status: 'succeeded', reason: 'last page', pages: 3, records: 30 });
  });
});
