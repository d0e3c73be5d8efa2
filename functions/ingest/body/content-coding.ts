/**
 * Content codings of a request body (RFC 9110 §8.4): `identity`, `gzip` and `deflate`. A
 * compressed body is inflated with a cap on its output (`maxOutputLength`): zlib stops within a
 * chunk of passing the stream's `maxBytes`, so a small bomb that would inflate to gigabytes
 * costs no more work than a body of the limit.
 */
import type { Buffer } from 'node:buffer';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { MAX_COMPRESSED_BODY_BYTES } from '#shared/contract/contract';
import { CompressedPayloadTooLargeError, MalformedBodyError } from '#shared/contract/errors';

/** A coding Sluice takes. */
export type ContentCoding = 'identity' | 'gzip' | 'deflate';

// `x-gzip` is gzip (RFC 9110 §8.4.1.3). A list of codings ("gzip, gzip") is not taken: no
// client needs one, and each would multiply the work per byte posted.
const CODINGS: ReadonlyMap<string, ContentCoding> = new Map([
  ['', 'identity'],
  ['identity', 'identity'],
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
]);

/** The coding a `Content-Encoding` header names, or `undefined` for one Sluice does not take. */
export function contentCoding(header: string | undefined): ContentCoding | undefined {
  return CODINGS.get((header ?? '').trim().toLowerCase());
}

/**
 * HTTP's `deflate` is the zlib format (RFC 1950), but some clients send raw deflate (RFC 1951);
 * a zlib stream starts with a header whose method is 8 and whose first two bytes are a multiple of 31.
 */
function isZlibHeader(bytes: Uint8Array): boolean {
  const [first = 0, second = 0] = bytes;
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

/**
 * Inflates `bytes` and checks that the compressed data ends where the body ends. zlib stops at the
 * end of the compressed stream and ignores what follows (for gzip, NUL padding too), so the engine's
 * count of input consumed (`bytesWritten`) is compared with the body's length: the contract says
 * bytes after the compressed data are a 400, not silently dropped.
 */
function inflateOnce(bytes: Uint8Array, coding: 'gzip' | 'deflate', limitBytes: number): Buffer {
  const options = { maxOutputLength: limitBytes, info: true } as const;
  const inflate = coding === 'gzip' ? gunzipSync : isZlibHeader(bytes) ? inflateSync : inflateRawSync;
  const { buffer, engine } = inflate(bytes, options) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  const trailing = bytes.byteLength - engine.bytesWritten;
  if (trailing > 0) {
    throw new MalformedBodyError(`The body is not valid ${coding} data: ${trailing} bytes follow the compressed data.`);
  }
  return buffer;
}

/**
 * The body of a compressed request, inflated. Throws CompressedPayloadTooLargeError (413) when
 * the compressed body is over {@link MAX_COMPRESSED_BODY_BYTES} or its output passes `limitBytes`,
 * and MalformedBodyError (400) when it is corrupt or truncated.
 */
export function inflateBody(bytes: Uint8Array, coding: 'gzip' | 'deflate', limitBytes: number): Buffer {
  const compressed = { coding, sizeBytes: bytes.byteLength, limitBytes: MAX_COMPRESSED_BODY_BYTES };
  if (bytes.byteLength > MAX_COMPRESSED_BODY_BYTES) throw new CompressedPayloadTooLargeError(limitBytes, compressed);
  try {
    return inflateOnce(bytes, coding, limitBytes);
  } catch (error) {
    if (error instanceof MalformedBodyError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new CompressedPayloadTooLargeError(limitBytes, compressed);
    // zlib's messages are fixed sentences ("unexpected end of file"), never quoted input.
    const reason = error instanceof Error ? error.message : String(error);
    throw new MalformedBodyError(`The body is not valid ${coding} data: ${reason}.`);
  }
}
