/**
 * Scalar's browser bundle in the two encodings the docs route answers with. Each side stores
 * one and derives the other once, on first use: the Lambda asset is gzipped (that is what
 * nearly every browser asks for), local mode reads the package's plain file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The script, plain and gzipped, and a short hash of its content for cache-busting URLs. */
export interface ScalarScript {
  plain(): Buffer;
  gzipped(): Buffer;
  version(): string;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

function fromStored(stored: () => Buffer, derive: (bytes: Buffer) => Buffer, storedIsGzip: boolean): ScalarScript {
  const derived = once(() => derive(stored()));
  const version = once(() => createHash('sha256').update(stored()).digest('base64url').slice(0, 16));
  return storedIsGzip ? { plain: derived, gzipped: stored, version } : { plain: stored, gzipped: derived, version };
}

/** The script from a gzipped file (the api-docs function's asset), read on first use. */
export function scalarScriptFromGzipFile(path: string | URL): ScalarScript {
  return fromStored(
    once(() => readFileSync(path)),
    (bytes) => gunzipSync(bytes),
    true,
  );
}

/** The script from its plain file (the installed package, in local mode), read on first use. */
export function scalarScriptFromFile(path: string | URL): ScalarScript {
  return fromStored(
    once(() => readFileSync(path)),
    (bytes) => gzipSync(bytes, { level: 9 }),
    false,
  );
}
