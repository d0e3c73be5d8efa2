/**
 * A fake third-party API on loopback (real HTTP, port 0): a test gives it a function from
 * request to answer, and reads back every request it received. `pagedApi` serves a list of
 * records, written as raw JSON text so that big-int ids stay exact, in each pagination style.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake API saw it. */
export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
}

/** One answer: `body` is sent as it is when a string or bytes, as JSON otherwise. */
export interface FakeAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Wait this long before answering (a slow API). */
  readonly delayMs?: number;
}

/** Decides the answer to a request. */
export type FakeRoute = (request: FakeRequest, api: FakeApi) => FakeAnswer | Promise<FakeAnswer>;

/** A running fake API. */
export class FakeApi {
  readonly requests: FakeRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Starts a fake API on 127.0.0.1 at a free port. */
  static async start(route: FakeRoute): Promise<FakeApi> {
    let api: FakeApi | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const request: FakeRequest = {
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', api?.origin),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        api?.requests.push(request);
        const answer = await route(request, api as FakeApi);
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        if (res.destroyed) return;
        const body =
          typeof answer.body === 'string' || answer.body instanceof Uint8Array
            ? answer.body
            : JSON.stringify(answer.body ?? null);
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = new FakeApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return api;
  }

  /** An absolute URL of the fake API. */
  url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Requests to a path (auth and token requests are told apart by path). */
  requestsTo(path: string): FakeRequest[] {
    return this.requests.filter((request) => request.url.pathname === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `count` records as raw JSON text, ids above 2^53 (exact only as text), one `updated_at` each. */
export function recordTexts(
  count: number,
  from = 0,
  updatedAt = (i: number) => `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
) {
  return Array.from(
    { length: count },
    (_, index) =>
      `{"id":${9007199254740993n + BigInt(from + index)},"n":${from + index},"name":"r\\u00e9cord ${from + index}","updated_at":"${updatedAt(from + index)}"}`,
  );
}

/** Pagination styles `pagedApi` serves. */
export type PageStyle = 'link-header' | 'next-url' | 'cursor' | 'graphql' | 'offset' | 'page' | 'none';

/**
 * A route serving `records()` (read on every request, so a test may change the data between runs)
 * `size` per page at `/items` in the given style. `since` filters on `updated_at`.
 */
export function pagedApi(style: PageStyle, records: () => readonly string[], size: number): FakeRoute {
  return (request, api) => {
    if (request.url.pathname !== '/items') return { status: 404, body: { message: 'not found' } };
    const since = request.url.searchParams.get('since');
    const all = records().filter(
      (text) => since === null || (JSON.parse(text) as { updated_at: string }).updated_at >= since,
    );
    const variables =
      style === 'graphql' ? (JSON.parse(request.body) as { variables?: { after?: string } }).variables : undefined;
    const query = request.url.searchParams;
    const start =
      style === 'offset'
        ? Number(query.get('offset') ?? 0)
        : style === 'page'
          ? (Number(query.get('page') ?? 1) - 1) * size
          : style === 'graphql'
            ? Number(variables?.after?.slice(1) ?? 0)
            : style === 'cursor'
              ? Number(query.get('after')?.slice(1) ?? 0)
              : Number(query.get('from') ?? 0);
    const pageSize = style === 'none' ? all.length : style === 'offset' ? Number(query.get('limit')) : size;
    const slice = all.slice(start, start + pageSize);
    const more = start + pageSize < all.length;
    const array = `[${slice.join(',')}]`;
    const nextFrom = new URL(request.url);
    nextFrom.searchParams.set('from', String(start + pageSize));
    switch (style) {
      case 'none':
        return { body: array };
      case 'link-header':
        return {
          body: array,
          headers: more ? { link: `<${nextFrom.toString()}>; rel="next", <${api.url('/items')}>; rel="first"` } : {},
        };
      case 'next-url':
        return {
          body: `{"data":${array},"next":${more ? JSON.stringify(`/items?from=${start + pageSize}`) : 'null'}}`,
        };
      case 'cursor':
        return { body: `{"results":${array},"paging":${more ? `{"next":{"after":"c${start + pageSize}"}}` : '{}'}}` };
      case 'graphql':
        return {
          body: `{"data":{"items":{"nodes":${array},"pageInfo":{"endCursor":"c${start + pageSize}","hasNextPage":${more}}}}}`,
        };
      case 'offset':
        return { body: `{"items":${array},"total":${all.length}}` };
      case 'page':
        return { body: `{"items":${array},"total_pages":${Math.ceil(all.length / size)}}` };
    }
  };
}
