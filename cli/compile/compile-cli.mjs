#!/usr/bin/env node
/**
 * Compiles the `sluice` command ahead of time: esbuild bundles cli/main.ts (packages stay
 * external) into dist/cli/, which cli/sluice.mjs runs, so no command compiles TypeScript at
 * start. `npm install` runs it (the `prepare` script); `npm run build` runs it by hand.
 * Beside the bundle, inputs.json records a hash of every source it was built from, which a
 * test compares with the sources to fail when the compiled output is stale.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { refuseArguments } from './build-script-arguments.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Where the compiled command goes (gitignored). */
export const OUT_DIR = join(root, 'dist', 'cli');

/**
 * In a bundle every module's import.meta.url is the chunk's; modules find files beside them
 * (the S3 worker, the sample API's events, the tenants folder) from theirs, so each keeps
 * the URL of its own source file, written relative to the chunk so the clone can move.
 */
const sourceUrlPlugin = {
  name: 'source-import-meta-url',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const fromChunk = relative(OUT_DIR, args.path).split('\\').join('/');
      const contents = text.replaceAll(
        'import.meta.url',
        `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/** Hashes of the bundle's source files, by path from the repository root. */
export async function sourceHashes(paths) {
  const entries = await Promise.all(
    paths.map(async (path) => [
      path,
      createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex'),
    ]),
  );
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Builds dist/cli/ and its inputs.json. */
export async function compileCli() {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'cli/main.ts' },
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceUrlPlugin],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.includes('node_modules'));
  await writeFile(join(OUT_DIR, 'inputs.json'), `${JSON.stringify(await sourceHashes(inputs), null, 2)}\n`);
  return inputs.length;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  refuseArguments('cli/compile/compile-cli.mjs', 'compiles the sluice command into dist/cli/');
  const count = await compileCli();
  process.stdout.write(`sluice: compiled ${count} source files into ${relative(process.cwd(), OUT_DIR) || '.'}\n`);
}
