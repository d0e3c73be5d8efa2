/**
 * Module hooks that let the compiled `sluice` import a tenant file, which is TypeScript by
 * design (DESIGN.md §3): a `.ts` module is stripped of its types by esbuild's transform, and
 * the result is kept in dist/ts-cache/ by the source's hash, so a warm start loads neither
 * esbuild nor tsx (which cost the command seconds at every start).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';

const CACHE = new URL('../../dist/ts-cache/', import.meta.url);
let esbuild;

/** Loads a `.ts` file as an ES module with its types removed; leaves every other file to Node. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const cached = new URL(`${createHash('sha256').update(url).update('\0').update(source).digest('hex')}.mjs`, CACHE);
  try {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
  } catch {
    // Not compiled yet: compile below.
  }
  esbuild ??= await import('esbuild');
  const { code } = await esbuild.transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: url });
  await mkdir(CACHE, { recursive: true });
  // Written whole under a unique name first: a concurrent start never reads half a file.
  const partial = new URL(`${cached.pathname.split('/').pop()}.${process.pid}.tmp`, CACHE);
  await writeFile(partial, code);
  await import('node:fs/promises').then(({ rename }) => rename(partial, cached));
  return { format: 'module', source: code, shortCircuit: true };
}
