// Conditional writes for s3rver 3.7, which ignores `If-None-Match` and `If-Match` on PutObject:
// S3 answers 412 PreconditionFailed when `If-None-Match: *` finds the key or `If-Match: <etag>`
// does not match it. `sluice dlq replay` locks its stream with them (cli/dlq/replay-lock.ts),
// the same code on AWS and locally. The check and the write must be one step, also between
// two processes that each run an s3rver on the same directory (two CLI commands without a dev
// server), so a conditional write holds a directory made with mkdir (atomic) while it runs.
// Plain JavaScript: it runs in the embedded S3's worker thread (see embedded-s3-worker.mjs).
import { mkdir, rmdir, stat } from 'node:fs/promises';

/** A mutex directory older than this was left by a process that died holding it. */
const ABANDONED_MUTEX_MS = 30_000;
const RETRY_MS = 5;

const preconditionFailed = (condition) =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
  '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
  `<Condition>${condition}</Condition></Error>`;

async function holdMutex(path) {
  for (;;) {
    try {
      await mkdir(path);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const made = await stat(path).catch(() => undefined);
      if (made && Date.now() - made.mtimeMs > ABANDONED_MUTEX_MS) await rmdir(path).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

/** Puts a Koa middleware in front of s3rver's router that honours conditional PutObject. */
export function addConditionalWrites(server, directory) {
  const middleware = async (ctx, next) => {
    const noneMatch = ctx.get('if-none-match');
    const match = ctx.get('if-match');
    // Only a plain PutObject of a path-style `/<bucket>/<key>`: no copy, part or subresource
    // (the SDK's `x-id=PutObject` names the operation and is no subresource).
    const subresource = Object.keys(ctx.query).some((name) => name !== 'x-id');
    const plainPut = ctx.method === 'PUT' && !subresource && !ctx.get('x-amz-copy-source');
    const parts = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!plainPut || !parts || (!noneMatch && !match)) return next();
    const bucket = decodeURIComponent(parts[1]);
    const key = decodeURIComponent(parts[2]);
    // Beside the data folder, not in it: s3rver takes each folder in it for a bucket.
    const mutex = `${directory}.conditional-write`;
    await holdMutex(mutex);
    try {
      const current = await server.store.getMetadata(bucket, key).catch((error) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      const failed =
        (noneMatch === '*' && current !== undefined) ||
        (match !== '' && (current === undefined || (match !== '*' && match !== current.etag)));
      if (failed) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = preconditionFailed(noneMatch ? 'If-None-Match' : 'If-Match');
        return;
      }
      await next();
    } finally {
      await rmdir(mutex).catch(() => undefined);
    }
  };
  // After the request logger, before everything else (Koa composes the list at listen time).
  server.middleware.splice(1, 0, middleware);
}
