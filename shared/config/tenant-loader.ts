/**
 * Finds and imports a tenant config, with one set of rules for `cdk synth -c tenant=…`,
 * `sluice dev` and every CLI command: a name means `tenants/<name>.ts`; anything with a `/`
 * or `\`, or ending in .ts/.mts/.cts/.js/.mjs/.cjs, is a path relative to the working
 * directory. Every failure is a {@link TenantSourceError} whose message names the file.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDefinedTenant, TENANT_NAME_PATTERN, type TenantConfig } from './tenant-config.ts';

/** The tenant of `sluice dev`, `cdk synth` and the tests when none is named. */
export const DEFAULT_TENANT = 'example';

/** The repository's `tenants/` folder, where a tenant name is looked up. */
export const TENANTS_DIRECTORY = fileURLToPath(new URL('../../tenants', import.meta.url));

/** A tenant config and the file it came from (the stack bundles that file into the ingest function). */
export interface LoadedTenant {
  readonly config: TenantConfig;
  readonly file: string;
}

/** Where to resolve a tenant reference: the working directory for paths, the folder for names. */
export interface TenantLookup {
  readonly cwd?: string;
  readonly tenantsDirectory?: string;
}

/** What went wrong finding or loading a tenant config. */
export type TenantSourceProblem = 'not-a-name' | 'not-found' | 'import-failed' | 'not-defined' | 'name-mismatch';

/** The tenant config could not be found, imported or validated; the message names the file. */
export class TenantSourceError extends Error {
  override readonly name = 'TenantSourceError';
  constructor(
    readonly problem: TenantSourceProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Whether a tenant reference is a path (else a name in `tenants/`). */
export function isTenantPath(reference: string): boolean {
  return reference.includes('/') || reference.includes('\\') || /\.[cm]?[jt]s$/.test(reference);
}

/** The file a tenant reference names; throws {@link TenantSourceError} for a name that is not a tenant name. */
export function tenantFile(reference: string, lookup: TenantLookup = {}): string {
  if (isTenantPath(reference)) return resolve(lookup.cwd ?? process.cwd(), reference);
  if (!TENANT_NAME_PATTERN.test(reference)) {
    throw new TenantSourceError(
      'not-a-name',
      `tenant "${reference}" is not a tenant name (lower-case letters, digits and "-", starting with a letter) nor a path to a .ts file`,
    );
  }
  return resolve(lookup.tenantsDirectory ?? TENANTS_DIRECTORY, `${reference}.ts`);
}

// Relative to the working directory when the file is under it: shorter, and what the user typed.
function shown(file: string, cwd: string): string {
  const path = relative(cwd, file);
  return path && !path.startsWith('..') && !isAbsolute(path) ? path : file;
}

/**
 * Imports the tenant config that `reference` names. Its module must default-export
 * `defineTenant({...})`, which validated it on import; a module that throws (a
 * TenantConfigError naming every bad field, or any other error) fails naming the file.
 */
export async function loadTenant(reference = DEFAULT_TENANT, lookup: TenantLookup = {}): Promise<LoadedTenant> {
  const cwd = lookup.cwd ?? process.cwd();
  const file = tenantFile(reference, lookup);
  const where = shown(file, cwd);
  if (!existsSync(file)) {
    throw new TenantSourceError('not-found', `tenant config not found: ${where} (from tenant "${reference}")`);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    // A TenantConfigError's message lists every bad field; keep it whole.
    const reason = error instanceof Error ? error.message : String(error);
    throw new TenantSourceError('import-failed', `${where}: ${reason}`, { cause: error });
  }
  const config = module.default;
  if (!isDefinedTenant(config)) {
    throw new TenantSourceError(
      'not-defined',
      `${where} must default-export defineTenant({...}) from #shared/config/tenant-config`,
    );
  }
  if (!isTenantPath(reference) && config.tenant !== reference) {
    throw new TenantSourceError(
      'name-mismatch',
      `${where} declares tenant "${config.tenant}"; the file name and the tenant must match (tenants/${config.tenant}.ts)`,
    );
  }
  return { config, file };
}
