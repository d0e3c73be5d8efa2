/**
 * How the ingest function is bundled for one tenant: the static entry functions/ingest/handler.ts
 * with esbuild aliases that bind the tenant at bundle time, so the config (and its valibot
 * schemas) is bundled into the function and nothing is generated at synth.
 */
import type { TenantConfig } from '#shared/config/tenant-config';
import { repoPath } from './paths.ts';

/** The ingest function's entry, the same file for every tenant. */
export const INGEST_ENTRY = repoPath('functions', 'ingest', 'handler.ts');

/** Whether any stream of the tenant goes through Kinesis (only then is the Kinesis client bundled). */
export function usesKinesis(config: TenantConfig): boolean {
  return Object.values(config.streams).some((stream) => stream.delivery === 'kinesis');
}

/** The module aliases of the tenant's ingest bundle: its config file and its Kinesis route or none. */
export function ingestAliases(config: TenantConfig, tenantFile: string): Readonly<Record<string, string>> {
  return {
    '#tenant-config': tenantFile,
    '#ingest-kinesis-route': repoPath(
      'functions',
      'ingest',
      usesKinesis(config) ? 'kinesis-route.ts' : 'no-kinesis-route.ts',
    ),
  };
}
