#!/usr/bin/env node
/**
 * Compiles @sluice/client into dist/: ES modules (esbuild; the two entry points share their
 * code through chunks) and type declarations (the TypeScript compiler), so that plain `node`,
 * which strips no types in node_modules, loads the package and `tsc` checks its users.
 * The repository's `npm install` runs it (the root `prepare` script), as `npm run build` does.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { refuseArguments } from '../../cli/compile/build-script-arguments.mjs';

const packageDir = fileURLToPath(new URL('.', import.meta.url));
const sourceDir = join(packageDir, 'src');
/** The package's entry points (package.json `exports`), by the name of their output file. */
const ENTRY_POINTS = { index: join(sourceDir, 'index.ts'), 'file-spool': join(sourceDir, 'file-spool.ts') };

/** Emits the declarations of the entry points and what they import; throws on any type error. */
function emitDeclarations(outDir) {
  const program = ts.createProgram(Object.values(ENTRY_POINTS), {
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: sourceDir,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
  });
  const emitted = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (problems.length > 0 || emitted.emitSkipped) {
    const host = {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => packageDir,
      getNewLine: () => '\n',
    };
    throw new Error(`@sluice/client declarations:\n${ts.formatDiagnostics(problems, host)}`);
  }
}

/** The sources import each other as `./x.ts`; in dist the files are `x.js` and `x.d.ts`. */
async function pointImportsAtJs(outDir) {
  for (const name of await readdir(outDir)) {
    if (!name.endsWith('.d.ts')) continue;
    const path = join(outDir, name);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(/(from\s+'\.{1,2}\/[^']+)\.ts'/g, "$1.js'"));
  }
}

/** Builds `outDir` (default dist/ beside this file); resolves with the files written. */
export async function buildClientPackage(outDir = join(packageDir, 'dist')) {
  await rm(outDir, { recursive: true, force: true });
  await build({
    entryPoints: ENTRY_POINTS,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    // Browsers, Deno, Bun and workers load the main entry; only the spool imports node: modules.
    platform: 'neutral',
    external: ['node:*'],
    target: 'es2022',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    logLevel: 'warning',
  });
  emitDeclarations(outDir);
  await pointImportsAtJs(outDir);
  return (await readdir(outDir, { recursive: true })).filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  refuseArguments('clients/typescript/build-package.mjs', 'compiles @sluice/client into clients/typescript/dist/');
  const files = await buildClientPackage();
  process.stdout.write(
    `@sluice/client: compiled into ${relative(process.cwd(), join(packageDir, 'dist')) || '.'} (${files.length} files)\n`,
  );
}
