/**
 * How the api-docs function is bundled for one tenant: the static entry
 * functions/api-docs/handler.ts with the `#tenant-config` alias (as the ingest function,
 * infra/ingest-bundling.ts), and Scalar's browser bundle gzipped beside it as a text asset.
 * It is gzipped here, once per synth, so that the function spends no cold start on it and
 * its answer stays far below Lambda's 6 MB response limit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SCALAR_SCRIPT_ASSET, SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import { repoPath } from './paths.ts';

/** The api-docs function's entry, the same file for every tenant. */
export const API_DOCS_ENTRY = repoPath('functions', 'api-docs', 'handler.ts');

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
