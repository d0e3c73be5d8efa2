/**
 * The request of a page from the run's position, and the position of the next page from an
 * answer. A position holds only what the config cannot rebuild (a URL, a cursor, an offset, a
 * page number), and never a secret: URLs are stored without the API-key query parameter.
 */
import { hash } from 'node:crypto';
import LinkHeader from 'http-link-header';
import type { SourceConfig } from '#shared/config/source-config';
import { jsonPointerText, jsonPointerValue } from '#shared/framing/json-pointer-text';
import type { PagePosition } from '#shared/pull/pull-run';
import { type PageRequest, type PageResponse, shownUrl } from './page-fetch.ts';

/** Sets `value` at `pointer` in a JSON document, creating the objects on the way. */
function withValueAt(document: unknown, pointer: string, value: unknown): unknown {
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  const root = structuredClone(document ?? {}) as Record<string, unknown>;
  let node = root;
  for (const [index, token] of tokens.entries()) {
    if (index === tokens.length - 1) {
      node[token] = value;
    } else {
      const child = node[token];
      node[token] = typeof child === 'object' && child !== null ? child : {};
      node = node[token] as Record<string, unknown>;
    }
  }
  return root;
}

/** The request of the page at `position` (the first page when absent). */
export function pageRequest(
  source: SourceConfig,
  position: PagePosition | undefined,
  lowerBound?: string,
): PageRequest {
  const { request, paginate, incremental } = source;
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    const cursor = position?.cursor;
    const withCursor =
      paginate.type === 'cursor' && paginate.bodyPath !== undefined && cursor !== undefined
        ? withValueAt(request.body, paginate.bodyPath, cursor)
        : request.body;
    body = JSON.stringify(withCursor);
  }
  // A next URL from the API already carries every parameter the API wants.
  if (position?.url !== undefined)
    return { url: new URL(position.url), method: request.method, headers, ...(body === undefined ? {} : { body }) };
  const url = new URL(request.url);
  for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
  if (incremental !== undefined && lowerBound !== undefined) url.searchParams.set(incremental.param, lowerBound);
  if (paginate.type === 'cursor' && paginate.param !== undefined && position?.cursor !== undefined) {
    url.searchParams.set(paginate.param, position.cursor);
  } else if (paginate.type === 'offset') {
    url.searchParams.set(paginate.param, String(position?.offset ?? 0));
    url.searchParams.set(paginate.limitParam, String(paginate.limit));
  } else if (paginate.type === 'page') {
    url.searchParams.set(paginate.param, String(position?.page ?? paginate.start));
    if (paginate.sizeParam !== undefined && paginate.size !== undefined) {
      url.searchParams.set(paginate.sizeParam, String(paginate.size));
    }
  }
  return { url, method: request.method, headers, ...(body === undefined ? {} : { body }) };
}

/**
 * What identifies a request for loop detection: its URL for URL-following styles, its cursor
 * for cursors; offsets and page numbers only grow, so they cannot loop. A short digest, so
 * that 10,000 of them fit a DynamoDB item.
 */
export function requestKey(source: SourceConfig, request: PageRequest, position: PagePosition | undefined) {
  const type = source.paginate.type;
  const key =
    type === 'link-header' || type === 'next-url'
      ? `url ${request.url.toString()}`
      : type === 'cursor' && position?.cursor !== undefined
        ? `cursor ${position.cursor}`
        : undefined;
  return key === undefined ? undefined : hash('sha256', key, 'hex').slice(0, 16);
}

function valueText(page: unknown, pageText: string, pointer: string): string | undefined {
  // A string cursor is what JSON.parse made of it; only a number is read from the text again
  // (a 64-bit one would be rounded), so the usual page is not scanned a second time.
  const value = jsonPointerValue(page, pointer);
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  const text = jsonPointerText(pageText, pointer);
  if (text === undefined || text === 'null' || text === '') return undefined;
  return text.startsWith('"') ? (JSON.parse(text) as string) : text;
}

function nextLink(headers: Headers): string | undefined {
  const header = headers.get('link');
  if (header === null) return undefined;
  try {
    return LinkHeader.parse(header).refs.find((ref) => ref.rel?.toLowerCase().split(/\s+/).includes('next'))?.uri;
  } catch {
    return undefined;
  }
}

/** What the answer says about the next page. */
export interface PageAnswer {
  readonly request: PageRequest;
  readonly response: PageResponse;
  /** The parsed page. */
  readonly page: unknown;
  readonly records: number;
}

/** The position of the next page, or undefined when this was the last one. */
export function nextPosition(
  source: SourceConfig,
  position: PagePosition | undefined,
  answer: PageAnswer,
  secretParams: readonly string[],
): PagePosition | undefined {
  const paginate = source.paginate;
  const { request, response, page, records } = answer;
  const url = (target: string | undefined) =>
    target === undefined || target === '' ? undefined : { url: shownUrl(new URL(target, request.url), secretParams) };
  switch (paginate.type) {
    case 'none':
      return undefined;
    case 'link-header':
      return url(nextLink(response.headers));
    case 'next-url': {
      const target = jsonPointerValue(page, paginate.path);
      return url(typeof target === 'string' ? target : undefined);
    }
    case 'cursor': {
      if (paginate.hasMore !== undefined && jsonPointerValue(page, paginate.hasMore) !== true) return undefined;
      const cursor = valueText(page, response.text, paginate.path);
      return cursor === undefined ? undefined : { cursor };
    }
    case 'offset': {
      const offset = (position?.offset ?? 0) + records;
      const total = paginate.total === undefined ? undefined : jsonPointerValue(page, paginate.total);
      // No "short page is the last" rule: an API that caps the limit below ours sends short
      // pages all along. Without a total, the empty page after the last one ends the run.
      return typeof total === 'number' && offset >= total ? undefined : { offset };
    }
    case 'page': {
      const current = position?.page ?? paginate.start;
      const totalPages = paginate.totalPages === undefined ? undefined : jsonPointerValue(page, paginate.totalPages);
      if (typeof totalPages === 'number' && current - paginate.start + 1 >= totalPages) return undefined;
      return { page: current + 1 };
    }
  }
}
