/** Loads a tenant config by name (`tenants/<name>.ts`) or by path, validated, with defaults applied. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineTenant, type TenantConfig, type TenantConfigInput } from '#shared/tenant-config';

const TENANTS_DIRECTORY = fileURLToPath(new URL('../tenants/', import.meta.url));

/** The default tenant of `sluice dev` and the tests. */
export const DEFAULT_TENANT = 'example';

/** Raised when a tenant cannot be found or has no default export. */
export class TenantNotFoundError extends Error {
  override readonly name = 'TenantNotFoundError';
}

/** The file a tenant reference points at: a path (with `/` or an extension) or a name in `tenants/`. */
export function tenantFile(reference: string, cwd = process.cwd()): string {
  const isPath = reference.includes('/') || reference.includes('\\') || /\.[cm]?[jt]s$/.test(reference);
  return isPath ? resolve(cwd, reference) : resolve(TENANTS_DIRECTORY, `${reference}.ts`);
}

function isApplied(config: unknown): config is TenantConfig {
  const streams = (config as { streams?: Record<string, { id?: unknown; buffering?: unknown }> })?.streams;
  return (
    typeof streams === 'object' &&
    streams !== null &&
    Object.values(streams).every((stream) => typeof stream.id === 'string' && typeof stream.buffering === 'object')
  );
}

/**
 * Imports a tenant config. A module that default-exports `defineTenant({...})` was validated
 * on import (a bad one throws TenantConfigError naming the field); a plain object is
 * validated here.
 */
export async function loadTenant(reference = DEFAULT_TENANT, cwd = process.cwd()): Promise<TenantConfig> {
  const file = tenantFile(reference, cwd);
  if (!existsSync(file)) throw new TenantNotFoundError(`no tenant config at ${file}`);
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (module.default === undefined) throw new TenantNotFoundError(`${file} has no default export`);
  return isApplied(module.default) ? module.default : defineTenant(module.default as TenantConfigInput);
}
