/**
 * The checks that run before a body is parsed: stream (404), tenant header (403), size (413),
 * content type and encoding (415). Each throws the typed error of its contract row.
 */
import { Buffer } from 'node:buffer';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import {
  CONTENT_CODINGS,
  CONTENT_TYPES,
  MAX_COMPRESSED_BODY_BYTES,
  TENANT_HEADER,
  TENANT_HEADER_ALIAS,
} from '#shared/contract/contract';
import {
  CompressedPayloadTooLargeError,
  MalformedBodyError,
  PayloadTooLargeError,
  TenantMismatchError,
  UnknownStreamError,
  UnsupportedMediaTypeError,
} from '#shared/contract/errors';
import { isUtf8Charset, parseContentType } from '#shared/contract/http-content-type';
import { boundedText } from '#shared/contract/quoted-input';
import { contentCoding } from './body/content-coding.ts';
import type { IngestRequest } from './ingest-request.ts';

/** How a body is read: one JSON value, NDJSON lines, or one XML document. */
export type BodyKind = 'json' | 'ndjson' | 'xml';

/** The stream the request names; throws UnknownStreamError (404) for any other id. */
export function findStream(tenant: TenantConfig, streamId: string | undefined): StreamConfig {
  // Object.hasOwn, so that ids such as `constructor` or `__proto__` are simply unknown.
  const stream =
    streamId !== undefined && Object.hasOwn(tenant.streams, streamId) ? tenant.streams[streamId] : undefined;
  if (stream === undefined) {
    throw new UnknownStreamError(`Tenant ${tenant.tenant} has no stream ${JSON.stringify(streamId ?? '')}.`);
  }
  return stream;
}

/**
 * The token must be for this stack's tenant, and a tenant header, when present, must name it
 * too; throws TenantMismatchError (403).
 */
export function assertTenant(tenant: TenantConfig, request: IngestRequest): void {
  if (request.tenantClaim !== undefined && request.tenantClaim !== tenant.tenant) {
    throw new TenantMismatchError('The token was issued for another tenant.');
  }
  for (const header of [TENANT_HEADER, TENANT_HEADER_ALIAS]) {
    const named = request.headers[header];
    if (named !== undefined && named.trim() !== tenant.tenant) {
      throw new TenantMismatchError(`The ${header} header names another tenant than the token's.`);
    }
  }
}

/**
 * Size guard, before anything is decoded or parsed: first the declared `content-length`, then
 * the body's decoded size (computed from the base64 text without decoding it). Throws
 * PayloadTooLargeError (413) naming the limit and the size. A gzip or deflate body is held to
 * MAX_COMPRESSED_BODY_BYTES here, and to `maxBytes` as it is inflated (content-coding.ts).
 */
export function assertWithinLimit(request: IngestRequest, maxBytes: number): void {
  const coding = contentCoding(request.headers['content-encoding']);
  const compressed = coding === 'gzip' || coding === 'deflate';
  const limit = compressed ? MAX_COMPRESSED_BODY_BYTES : maxBytes;
  const tooLarge = (size: number) =>
    compressed
      ? new CompressedPayloadTooLargeError(maxBytes, { coding, sizeBytes: size, limitBytes: limit })
      : new PayloadTooLargeError(maxBytes, size);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
  const size = Buffer.byteLength(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
  if (size > limit) throw tooLarge(size);
}

/** The request body as bytes. */
export function bodyBytes(request: IngestRequest): Uint8Array {
  return Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
}

function accepted(stream: StreamConfig): string {
  const types: readonly string[] =
    stream.payload === 'xml'
      ? CONTENT_TYPES.xml
      : stream.batch
        ? [...CONTENT_TYPES.json, ...CONTENT_TYPES.ndjson]
        : CONTENT_TYPES.json;
  return types.join(' or ');
}

/**
 * How to read the body, from `content-type` and `content-encoding`. A type the stream does not
 * take, a charset other than UTF-8 or a content coding other than gzip, deflate and identity
 * throws UnsupportedMediaTypeError (415); NDJSON to a stream without batch posts throws
 * MalformedBodyError (400).
 */
export function bodyKind(stream: StreamConfig, request: IngestRequest): BodyKind {
  const encoding = request.headers['content-encoding'];
  if (contentCoding(encoding) === undefined) {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding ${JSON.stringify(boundedText(encoding ?? ''))} is not supported; send the body uncompressed, or as ${CONTENT_CODINGS.join(' or ')}.`,
    );
  }
  const header = request.headers['content-type'];
  const contentType = parseContentType(header);
  if (header === undefined) {
    throw new UnsupportedMediaTypeError(`A Content-Type is required; stream ${stream.id} takes ${accepted(stream)}.`);
  }
  if (contentType === undefined) {
    // API Gateway (payload format 2.0) joins repeated headers with a comma, so two
    // Content-Type headers arrive as one value that names two media types.
    throw new UnsupportedMediaTypeError(
      `Content-Type ${JSON.stringify(boundedText(header))} is not one media type; stream ${stream.id} takes ${accepted(stream)}.`,
    );
  }
  const { mediaType, parameters } = contentType;
  const known =
    stream.payload === 'xml'
      ? (CONTENT_TYPES.xml as readonly string[]).includes(mediaType)
      : (CONTENT_TYPES.json as readonly string[]).includes(mediaType) ||
        (CONTENT_TYPES.ndjson as readonly string[]).includes(mediaType);
  if (!known) {
    throw new UnsupportedMediaTypeError(
      `Stream ${stream.id} does not take ${mediaType}; it takes ${accepted(stream)}.`,
    );
  }
  if (!isUtf8Charset(parameters.charset)) {
    throw new UnsupportedMediaTypeError(`charset=${parameters.charset} is not supported; Sluice takes UTF-8 only.`);
  }
  if (stream.payload === 'xml') return 'xml';
  if ((CONTENT_TYPES.ndjson as readonly string[]).includes(mediaType)) {
    if (!stream.batch) {
      throw new MalformedBodyError(
        `Stream ${stream.id} takes one record per request; it does not take NDJSON batches.`,
      );
    }
    return 'ndjson';
  }
  return 'json';
}
