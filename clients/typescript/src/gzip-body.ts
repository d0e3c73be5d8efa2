/** Gzip with the platform's CompressionStream (Node 18+, browsers, Deno, Bun, workers): no dependency. */

/** The gzip of `body`. */
export async function gzip(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The smallest body gzipped by default to any host but a loopback one. */
const GZIP_ABOVE_BYTES = 64 * 1024;

/** Hosts of this machine: `localhost` (and its subdomains), 127.0.0.0/8 and ::1. */
const LOOPBACK_HOST = /^(?:localhost|[^/]*\.localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The smallest body sent gzipped to `url` when the caller sets none: 64 KiB, except to a
 * loopback host (a local `sluice dev`), where compressing costs more time than it saves and
 * bodies go as they are.
 */
export function defaultGzipAboveBytes(url: string): number {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return GZIP_ABOVE_BYTES;
  }
  return LOOPBACK_HOST.test(hostname) ? Number.POSITIVE_INFINITY : GZIP_ABOVE_BYTES;
}
