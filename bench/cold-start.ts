/**
 * Benchmark 2, cold start: bundles the ingest function as the stack does (its static entry
 * with the example tenant's aliases, HOUSE_BUNDLING's esbuild options) and a minimal handler that only creates
 * a FirehoseClient the same way, then times `import()` of each in fresh Node processes,
 * alternating, and reports bundle sizes, median import times and what weighs most.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { build, type Metafile } from 'esbuild';
import { bundlingWithAliases, HOUSE_BUNDLING } from '#infra/constructs/house-function-defaults';
import { INGEST_ENTRY, ingestAliases, splitBundleOptions } from '#infra/function-bundling';
import { repoPath } from '#infra/paths';
import { deliveryStreamName } from '#shared/contract/delivery-stream-names';
import { ENV } from '#shared/contract/environment';
import example from '#tenants/example';
import { writeResults } from './support/results.ts';
import { round, spread } from './support/stats.ts';

const COMMAND = 'npm run bench -- cold-start';
const OUT = repoPath('bench', '.out', 'cold-start');
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const RUNS = QUICK ? 5 : 25;
const TARGET_BUNDLE_BYTES = 400 * 1024;
const TARGET_RATIO = 1.5;

const log = (message: string) => process.stderr.write(`${message}\n`);

/** The `--alias:<module>=<path>` arguments NodejsFunction passes to esbuild, as esbuild's `alias` option. */
function aliasesOf(args: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [flag, value] of Object.entries(args ?? {})) {
    if (flag.startsWith('--alias:') && typeof value === 'string') aliases[flag.slice('--alias:'.length)] = value;
  }
  return aliases;
}

/** The esbuild options NodejsFunction derives from the bundling options (bundle, ESM .mjs, minify, source map). */
async function bundle(
  name: string,
  entry: string,
  bundling = HOUSE_BUNDLING,
): Promise<{ file: string; bytes: number; metafile: Metafile }> {
  const outfile = `${OUT}/${name}/index.mjs`;
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: bundling.platform === 'node' ? 'node' : 'neutral',
    target: bundling.target ?? 'node24',
    mainFields: [...(bundling.mainFields ?? [])],
    minify: bundling.minify === true,
    sourcemap: bundling.sourceMap === true,
    sourcesContent: bundling.sourcesContent !== false,
    external: [...(bundling.externalModules ?? [])],
    banner: bundling.banner ? { js: bundling.banner } : {},
    alias: aliasesOf(bundling.esbuildArgs),
    metafile: true,
    logLevel: 'warning',
  });
  return { file: outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

/**
 * The ingest function as the stack bundles it: split into an entry and chunks loaded on first
 * use. Its size is the entry's plus the chunks it imports statically (what a cold start loads).
 */
async function splitBundle(
  name: string,
  entry: string,
  aliases: Readonly<Record<string, string>>,
): Promise<{ file: string; bytes: number; totalBytes: number; lazyChunks: string[]; metafile: Metafile }> {
  const outdir = `${OUT}/${name}`;
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({ ...splitBundleOptions(entry, outdir, aliases), metafile: true });
  const outputs = result.metafile.outputs;
  const file = `${outdir}/index.mjs`;
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement') visit(imported.path);
  };
  const entryKey = Object.keys(outputs).find((path) => path.endsWith('/index.mjs')) ?? '';
  visit(entryKey);
  const js = Object.keys(outputs).filter((path) => path.endsWith('.mjs'));
  const size = (paths: string[]) => paths.reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  return {
    file,
    bytes: size([...loaded]),
    totalBytes: size(js),
    lazyChunks: js
      .filter((path) => !loaded.has(path))
      .map((path) => `${path.split('/').pop()} ${outputs[path]?.bytes} B`),
    metafile: result.metafile,
  };
}

/** Bytes in the bundle per package (or per source folder of this repository). */
function heaviest(metafile: Metafile, top = 12): { module: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const module = match?.[1] ?? path.split('/').slice(0, 2).join('/');
      totals.set(module, (totals.get(module) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals]
    .map(([module, bytes]) => ({ module, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

const IMPORT_SCRIPT = `
const started = performance.now();
const module = await import(process.argv[1]);
const imported = performance.now();
if (typeof module.handler !== 'function') throw new Error('no handler export');
const { rss, heapUsed } = process.memoryUsage();
process.stdout.write(JSON.stringify({ importMs: imported - started, sinceProcessStartMs: imported, rssBytes: rss, heapUsedBytes: heapUsed }));
`;

// Every stream of the example tenant bound to its Firehose stream, as the stack binds them:
// the handler refuses a cold start with a stream left unbound.
const DELIVERY_TARGETS = JSON.stringify(
  Object.fromEntries(
    Object.values(example.streams).map((stream) => {
      const target = (channel: 'records' | 'dead-letter') =>
        ({ kind: 'firehose', name: deliveryStreamName(example.tenant, stream.id, channel) }) as const;
      return [
        stream.id,
        { records: target('records'), ...(stream.deadLetter ? { deadLetter: target('dead-letter') } : {}) },
      ];
    }),
  ),
);

/** One cold import in a fresh process, as Lambda's runtime imports the handler module. */
interface ColdImport {
  readonly importMs: number;
  readonly sinceProcessStartMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

function coldImport(file: string, sourceMaps: boolean): ColdImport {
  const output = execFileSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', IMPORT_SCRIPT, file],
    {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        [ENV.deliveryTargets]: DELIVERY_TARGETS,
        [ENV.idempotencyTable]: 'bench-idempotency',
      },
      encoding: 'utf8',
    },
  );
  return JSON.parse(output) as ColdImport;
}

/** Runs the benchmark; resolves with 0. */
export async function runColdStart(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const aliases = ingestAliases(example, repoPath('tenants', 'example.ts'));
  const ingest = await splitBundle('ingest', INGEST_ENTRY, aliases);
  const single = await bundle('ingest-single-file', INGEST_ENTRY, bundlingWithAliases(aliases));
  const minimal = await bundle('minimal', repoPath('bench', 'fixtures', 'minimal-handler.ts'));
  writeFileSync(`${OUT}/ingest/metafile.json`, JSON.stringify(ingest.metafile));
  log(`ingest chunks loaded on first use: ${ingest.lazyChunks.join(', ')}`);
  log(
    `bundles: ingest ${(ingest.bytes / 1024).toFixed(1)} KiB at cold start (${(ingest.totalBytes / 1024).toFixed(1)} KiB with its chunks; ${(single.bytes / 1024).toFixed(1)} KiB as one file), minimal ${(minimal.bytes / 1024).toFixed(1)} KiB`,
  );

  const variants = [
    { name: 'ingest', file: ingest.file, sourceMaps: false },
    { name: 'minimal', file: minimal.file, sourceMaps: false },
    { name: 'ingest --enable-source-maps', file: ingest.file, sourceMaps: true },
    { name: 'minimal --enable-source-maps', file: minimal.file, sourceMaps: true },
  ];
  const samples = new Map<string, { importMs: number[]; processMs: number[]; rssMiB: number[]; heapMiB: number[] }>(
    variants.map((variant) => [variant.name, { importMs: [], processMs: [], rssMiB: [], heapMiB: [] }]),
  );
  for (const variant of variants) coldImport(variant.file, variant.sourceMaps); // file cache warm-up
  for (let run = 0; run < RUNS; run++) {
    if (run % 5 === 0) log(`run ${run + 1}/${RUNS}`);
    for (const variant of variants) {
      const result = coldImport(variant.file, variant.sourceMaps);
      samples.get(variant.name)?.importMs.push(result.importMs);
      samples.get(variant.name)?.processMs.push(result.sinceProcessStartMs);
      samples.get(variant.name)?.rssMiB.push(result.rssBytes / 2 ** 20);
      samples.get(variant.name)?.heapMiB.push(result.heapUsedBytes / 2 ** 20);
    }
  }
  const timings = Object.fromEntries(
    [...samples].map(([name, sample]) => [
      name,
      {
        importMs: spread(sample.importMs),
        untilImportedMs: spread(sample.processMs),
        rssAfterImportMiB: spread(sample.rssMiB, 1),
        heapUsedAfterImportMiB: spread(sample.heapMiB, 1),
      },
    ]),
  );
  const importMedian = (name: string) => timings[name]?.importMs.median ?? Number.NaN;
  const ratio = round(importMedian('ingest') / importMedian('minimal'), 2);
  const ratioWithSourceMaps = round(
    importMedian('ingest --enable-source-maps') / importMedian('minimal --enable-source-maps'),
    2,
  );
  const summary = {
    bundleBytes: {
      ingest: ingest.bytes,
      ingestWithLazyChunks: ingest.totalBytes,
      ingestAsOneFile: single.bytes,
      minimal: minimal.bytes,
    },
    ingestLazyChunks: ingest.lazyChunks,
    sourceMapBytes: { ingest: statSync(`${ingest.file}.map`).size, minimal: statSync(`${minimal.file}.map`).size },
    bundleTargetMet: ingest.bytes < TARGET_BUNDLE_BYTES,
    importRatio: ratio,
    importRatioWithSourceMaps: ratioWithSourceMaps,
    importTargetMet: ratio <= TARGET_RATIO,
    heaviestInIngestBundle: heaviest(ingest.metafile),
    heaviestInMinimalBundle: heaviest(minimal.metafile, 6),
  };
  for (const [name, timing] of Object.entries(timings)) {
    log(
      `${name.padEnd(30)} import ${timing.importMs.median.toFixed(1).padStart(6)} ms (min ${timing.importMs.min.toFixed(1)}, max ${timing.importMs.max.toFixed(1)})`,
    );
  }
  log(
    `ingest bundle ${ingest.bytes} B (${summary.bundleTargetMet ? 'met' : 'MISSED'} < ${TARGET_BUNDLE_BYTES}); import ratio ${ratio} (${summary.importTargetMet ? 'met' : 'MISSED'} <= ${TARGET_RATIO}); with source maps ${ratioWithSourceMaps}`,
  );
  for (const { module, bytes } of summary.heaviestInIngestBundle) {
    log(`  ${module.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(7)} KiB`);
  }
  const file = writeResults('cold-start', COMMAND, {
    runs: RUNS,
    bundling:
      'ingest: splitBundleOptions (infra/function-bundling.ts), bundleBytes.ingest = entry + statically imported chunks; minimal: HOUSE_BUNDLING through esbuild build()',
    targets: { bundleBytesBelow: TARGET_BUNDLE_BYTES, importRatioAtMost: TARGET_RATIO },
    ...summary,
    timings,
  });
  log(`results: ${file}`);
  return 0;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  process.exitCode = await runColdStart();
}
