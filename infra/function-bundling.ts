/**
 * How each Sluice function is bundled for one tenant. Every function has one static entry,
 * the same file for every tenant, and esbuild aliases bind it at bundle time: `#tenant-config`
 * to the tenant's config file (so the config and its valibot schemas are in the bundle and
 * nothing is generated at synth) and, for the functions that deliver records, `#kinesis-route`
 * to functions/shared/kinesis-route.ts only when one of their streams goes through Kinesis
 * (else no-kinesis-route.ts), so other bundles carry no Kinesis client. The api-docs function
 * also gets Scalar's browser bundle gzipped beside it as a text asset: gzipped here, once per
 * synth, so that the function spends no cold start on it and its answer stays far below
 * Lambda's 6 MB response limit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, buildSync } from 'esbuild';
import type { TenantConfig } from '#shared/config/tenant-config';
import { SCALAR_SCRIPT_ASSET, SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import { HOUSE_BUNDLING, LAMBDA_CREDENTIALS_ALIAS } from './constructs/house-function-defaults.ts';
import { repoPath } from './paths.ts';

/** The ingest function's entry. */
export const INGEST_ENTRY = repoPath('functions', 'ingest', 'handler.ts');
/** The pull function's entry. */
export const PULL_ENTRY = repoPath('functions', 'pull', 'handler.ts');
/** The api-docs function's entry. */
export const API_DOCS_ENTRY = repoPath('functions', 'api-docs', 'handler.ts');

/** Whether any stream of the tenant goes through Kinesis (only then does the ingest bundle carry the Kinesis client). */
export function usesKinesis(config: TenantConfig): boolean {
  return Object.values(config.streams).some((stream) => stream.delivery === 'kinesis');
}

/** Whether a source of the tenant lands in a stream that goes through Kinesis. */
export function pullUsesKinesis(config: TenantConfig): boolean {
  return Object.values(config.sources).some((source) => config.streams[source.stream]?.delivery === 'kinesis');
}

function deliveringAliases(tenantFile: string, kinesis: boolean): Readonly<Record<string, string>> {
  return {
    '#tenant-config': tenantFile,
    '#kinesis-route': repoPath('functions', 'shared', kinesis ? 'kinesis-route.ts' : 'no-kinesis-route.ts'),
  };
}

/** The module aliases of the tenant's ingest bundle: its config file and its Kinesis route or none. */
export function ingestAliases(config: TenantConfig, tenantFile: string): Readonly<Record<string, string>> {
  return deliveringAliases(tenantFile, usesKinesis(config));
}

/** The module aliases of the tenant's pull bundle: its config file and its Kinesis route or none. */
export function pullAliases(config: TenantConfig, tenantFile: string): Readonly<Record<string, string>> {
  return deliveringAliases(tenantFile, pullUsesKinesis(config));
}

/** The module aliases of the tenant's api-docs bundle: its config file. */
export function apiDocsAliases(tenantFile: string): Readonly<Record<string, string>> {
  return { '#tenant-config': tenantFile };
}

/**
 * Scalar's installed bundle, gzipped at the highest level into a file named by its content,
 * so that synths of any tenant reuse it and a Scalar upgrade makes a new one.
 */
export function gzippedScalarScript(): string {
  const plain = readFileSync(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `sluice-api-reference-${hash}.js.gz`);
  if (!existsSync(file)) {
    // Written aside and renamed, so a parallel synth never copies half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, gzipSync(plain, { level: 9 }));
    renameSync(partial, file);
  }
  return file;
}

/** Copies the gzipped script into the bundle's folder after esbuild ran (local bundling, a POSIX shell). */
export function apiDocsCommandHooks(gzippedScript: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      `cp ${JSON.stringify(gzippedScript)} ${JSON.stringify(join(outputDir, SCALAR_SCRIPT_ASSET))}`,
    ],
  };
}

/**
 * esbuild's options for a function bundled into a folder with code splitting: HOUSE_BUNDLING's
 * options (ESM for Node 24, minified, source maps, the credential-chain alias of ADR 0003 and
 * the require banner, which every chunk gets), the entry as `index.mjs` and what the entry
 * imports only with `import()` (the Idempotency-Key layer, the Secrets Manager client, the XML
 * parser) as chunks beside it, loaded when first needed. NodejsFunction bundles to one `--outfile`, where
 * esbuild inlines every `import()`, so a split function needs this as its own bundling step.
 */
export function splitBundleOptions(
  entry: string,
  outdir: string,
  aliases: Readonly<Record<string, string>>,
): BuildOptions {
  const bundling = HOUSE_BUNDLING;
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: bundling.target ?? 'node24',
    mainFields: [...(bundling.mainFields ?? [])],
    minify: bundling.minify === true,
    sourcemap: bundling.sourceMap === true,
    sourcesContent: bundling.sourcesContent !== false,
    banner: bundling.banner ? { js: bundling.banner } : {},
    alias: { [LAMBDA_CREDENTIALS_ALIAS.module]: LAMBDA_CREDENTIALS_ALIAS.replacement, ...aliases },
    logLevel: 'warning',
  };
}

/**
 * The function's code as an asset bundled here, with the local esbuild (never Docker), by
 * {@link splitBundleOptions}: `index.mjs` and its chunks, so the handler is `index.handler`.
 * The asset is hashed by its output, as NodejsFunction's are.
 */
export function splitBundleCode(entry: string, aliases: Readonly<Record<string, string>>): lambda.Code {
  return lambda.Code.fromAsset(dirname(entry), {
    bundling: {
      // Required by the type, never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir) {
          buildSync(splitBundleOptions(entry, outputDir, aliases));
          return true;
        },
      },
    },
  });
}
