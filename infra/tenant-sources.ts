/**
 * The tenant's pull sources as the stack reads them. One accessor, so that the stack does
 * not depend on where the config keeps them while the tenant schema learns `sources`.
 */
import type { SourceConfig } from '#shared/source-config';
import type { TenantConfig } from '#shared/tenant-config';

/** The tenant's sources by name; none when the config has no `sources`. */
export function tenantSources(config: TenantConfig): Readonly<Record<string, SourceConfig>> {
  return (config as TenantConfig & { sources?: Readonly<Record<string, SourceConfig>> }).sources ?? {};
}
