/** Gzip with the platform's CompressionStream (Node 18+, browsers, Deno, Bun, workers): no dependency. */

/** The gzip of `body`. */
export async function gzip(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
