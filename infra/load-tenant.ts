/**
 * Resolves `-c tenant=<name or path>` to a validated tenant config and its file: a name
 * means `tenants/<name>.ts`, anything with a `/` or a `.ts` ending is a path. Every failure
 * is a {@link TenantSourceError} whose message names the problem and the file.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TenantConfig } from '#shared/tenant-config';
import { TENANT_NAME_PATTERN } from '#shared/tenant-config';
import { REPO_ROOT } from './paths.ts';

/** A tenant config and the file it came from (the ingest function bundles that file). */
export interface LoadedTenant {
  readonly config: TenantConfig;
  readonly file: string;
}

/** The tenant config could not be found, loaded or validated. */
export class TenantSourceError extends Error {
  override readonly name = 'TenantSourceError';
}

/** The file that a `tenant` context value names. */
export function tenantFile(nameOrPath: string, cwd = process.cwd()): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.ts');
  if (isPath) return isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
  if (!TENANT_NAME_PATTERN.test(nameOrPath)) {
    throw new TenantSourceError(
      `tenant "${nameOrPath}" is not a tenant name (lower-case letters, digits and "-", starting with a letter) nor a path to a .ts file`,
    );
  }
  return resolve(REPO_ROOT, 'tenants', `${nameOrPath}.ts`);
}

function looksLikeTenantConfig(value: unknown): value is TenantConfig {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof TenantConfig, unknown>>;
  const streams = candidate.streams;
  return (
    typeof candidate.tenant === 'string' &&
    typeof candidate.auth === 'object' &&
    typeof candidate.throttle === 'object' &&
    typeof streams === 'object' &&
    streams !== null &&
    Object.values(streams).every((stream) => typeof (stream as { buffering?: unknown }).buffering === 'object')
  );
}

/** Loads and validates the tenant config that `nameOrPath` names. */
export async function loadTenant(nameOrPath: string, cwd = process.cwd()): Promise<LoadedTenant> {
  const file = tenantFile(nameOrPath, cwd);
  const shown = relative(cwd, file) || file;
  if (!existsSync(file)) {
    throw new TenantSourceError(`tenant config not found: ${shown} (from tenant "${nameOrPath}")`);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    // defineTenant throws TenantConfigError naming every bad field; keep its message whole.
    const reason = error instanceof Error ? error.message : String(error);
    throw new TenantSourceError(`${shown}: ${reason}`);
  }
  if (!looksLikeTenantConfig(module.default)) {
    throw new TenantSourceError(`${shown} must default-export defineTenant({...}) from #shared/tenant-config`);
  }
  const config = module.default;
  const isName = !(nameOrPath.includes('/') || nameOrPath.endsWith('.ts'));
  if (isName && config.tenant !== nameOrPath) {
    throw new TenantSourceError(
      `${shown} declares tenant "${config.tenant}"; the file name and the tenant must match (tenants/${config.tenant}.ts)`,
    );
  }
  return { config, file };
}
