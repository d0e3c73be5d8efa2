/**
 * A tenant's pull sources with their names, and the JSON stream each lands in. The tenant
 * config gains `sources` in shared/tenant-config.ts; until every branch has it, it is read
 * here through a narrow type so that local mode builds either way.
 */
import type { SourceConfig } from '#shared/source-config';
import type { StreamConfig, TenantConfig } from '#shared/tenant-config';

/** A source of the tenant, with the stream its records land in. */
export interface TenantSource {
  readonly source: SourceConfig;
  readonly stream: StreamConfig;
}

/** Raised when a source is not in the tenant, or names a stream that cannot take its records. */
export class UnknownSourceError extends Error {
  override readonly name = 'UnknownSourceError';
}

/** The tenant's sources in config order (none when the config has no `sources`). */
export function tenantSourceNames(tenant: TenantConfig): string[] {
  return Object.keys(sourcesOf(tenant));
}

function sourcesOf(tenant: TenantConfig): Readonly<Record<string, Omit<SourceConfig, 'name'>>> {
  return (tenant as { sources?: Readonly<Record<string, Omit<SourceConfig, 'name'>>> }).sources ?? {};
}

/** One source of the tenant and its stream; throws {@link UnknownSourceError} saying what the tenant has. */
export function tenantSource(tenant: TenantConfig, name: string): TenantSource {
  const sources = sourcesOf(tenant);
  // Own keys only: a source called `constructor` must not find Object's constructor.
  const config = Object.hasOwn(sources, name) ? sources[name] : undefined;
  if (!config) {
    const names = Object.keys(sources);
    throw new UnknownSourceError(
      `source ${name} does not exist in tenant ${tenant.tenant} (${names.length > 0 ? `it has ${names.join(', ')}` : 'it has no sources'})`,
    );
  }
  const stream = Object.hasOwn(tenant.streams, config.stream) ? tenant.streams[config.stream] : undefined;
  if (stream?.payload !== 'json') {
    throw new UnknownSourceError(
      `source ${name} lands in ${config.stream}, which is not a JSON stream of tenant ${tenant.tenant}`,
    );
  }
  return { source: { ...config, name }, stream };
}
