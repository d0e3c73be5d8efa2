/**
 * A tenant's pull sources by name, and the JSON stream each lands in, with a refusal that says
 * what the tenant has (the CLI and the dev server's admin route answer with it).
 */
import type { SourceConfig } from '#shared/config/source-config';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';

/** A source of the tenant, with the stream its records land in. */
export interface TenantSource {
  readonly source: SourceConfig;
  readonly stream: StreamConfig;
}

/** Raised when a source is not in the tenant, or names a stream that cannot take its records. */
export class UnknownSourceError extends Error {
  override readonly name = 'UnknownSourceError';
}

/** The tenant's sources in config order. */
export function tenantSourceNames(tenant: TenantConfig): string[] {
  return Object.keys(tenant.sources);
}

/** One source of the tenant and its stream; throws {@link UnknownSourceError} saying what the tenant has. */
export function tenantSource(tenant: TenantConfig, name: string): TenantSource {
  const { sources } = tenant;
  // Own keys only: a source called `constructor` must not find Object's constructor.
  const config = Object.hasOwn(sources, name) ? sources[name] : undefined;
  if (!config) {
    const names = Object.keys(sources);
    throw new UnknownSourceError(
      `source ${name} does not exist in tenant ${tenant.tenant} (${names.length > 0 ? `it has ${names.join(', ')}` : 'it has no sources'})`,
    );
  }
  // defineTenant already refuses a source whose stream is not JSON; this keeps a config built
  // past it from reaching the runner.
  const stream = Object.hasOwn(tenant.streams, config.stream) ? tenant.streams[config.stream] : undefined;
  if (stream?.payload !== 'json') {
    throw new UnknownSourceError(
      `source ${name} lands in ${config.stream}, which is not a JSON stream of tenant ${tenant.tenant}`,
    );
  }
  return { source: config, stream };
}
