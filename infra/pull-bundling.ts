/**
 * How the pull function is bundled for one tenant: the static entry functions/pull/handler.ts
 * with the same esbuild aliases as the ingest function (infra/ingest-bundling.ts), so the
 * tenant's sources are bundled into the function and nothing is generated at synth.
 */
import type { TenantConfig } from '#shared/config/tenant-config';
import { repoPath } from './paths.ts';

/** The pull function's entry, the same file for every tenant. */
export const PULL_ENTRY = repoPath('functions', 'pull', 'handler.ts');

/** Whether a source of the tenant lands in a stream that goes through Kinesis. */
export function pullUsesKinesis(config: TenantConfig): boolean {
  return Object.values(config.sources).some((source) => config.streams[source.stream]?.delivery === 'kinesis');
}

/** The module aliases of the tenant's pull bundle: its config file and its Kinesis route or none. */
export function pullAliases(config: TenantConfig, tenantFile: string): Readonly<Record<string, string>> {
  return {
    '#tenant-config': tenantFile,
    '#ingest-kinesis-route': repoPath(
      'functions',
      'ingest',
      pullUsesKinesis(config) ? 'kinesis-route.ts' : 'no-kinesis-route.ts',
    ),
  };
}
