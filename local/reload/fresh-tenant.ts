/**
 * Loads a tenant file afresh for a live reload. Node caches an imported module for the life of
 * the process, so the file and the local files it imports are bundled anew by esbuild (packages
 * stay external) and that bundle is imported under a new name each time.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDefinedTenant, type TenantConfig } from '#shared/config/tenant-config';
import { TENANTS_DIRECTORY } from '#shared/config/tenant-loader';

/** A freshly loaded tenant config and every file it was built from (what to watch). */
export interface FreshTenant {
  readonly config: TenantConfig;
  readonly files: readonly string[];
}

/** A tenant file that does not build or does not validate: the reasons, one per line. */
export class TenantReloadError extends Error {
  override readonly name = 'TenantReloadError';
  constructor(
    message: string,
    /** The files the attempt read, still worth watching for the fix. */
    readonly files: readonly string[],
  ) {
    super(message);
  }
}

// Bundles live in the repository so that their package imports resolve from its node_modules.
const BUNDLES = join(dirname(TENANTS_DIRECTORY), 'dist', 'tenant-reload');
let loads = 0;

/** Bundles and imports the tenant file as it is on disk now. */
export async function loadFreshTenant(file: string): Promise<FreshTenant> {
  const { build } = await import('esbuild');
  const absolute = resolve(file);
  let files: string[] = [absolute];
  let text: string;
  try {
    const result = await build({
      entryPoints: [absolute],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: dirname(TENANTS_DIRECTORY),
    });
    files = Object.keys(result.metafile.inputs).map((input) => resolve(dirname(TENANTS_DIRECTORY), input));
    text = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
    throw new TenantReloadError(lines.join('\n') || (error as Error).message, files);
  }
  await mkdir(BUNDLES, { recursive: true });
  loads += 1;
  const bundle = join(BUNDLES, `tenant-${process.pid}-${loads}.mjs`);
  await writeFile(bundle, text);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(bundle).href)) as { default?: unknown };
  } catch (error) {
    throw new TenantReloadError((error as Error).message, files);
  } finally {
    await rm(bundle, { force: true });
  }
  if (!isDefinedTenant(module.default)) {
    throw new TenantReloadError('the file must default-export defineTenant({...})', files);
  }
  return { config: module.default, files };
}
