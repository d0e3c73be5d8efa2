/**
 * `sluice verify --preflight --tenant <name>`: run with the deployer's credentials before the
 * first `cdk deploy`. One line per check, a verdict, exit code 0 only when nothing failed.
 */
import { sourceSecretNames } from '#shared/config/source-config';
import { isSelfIssuer, type TenantConfig } from '#shared/config/tenant-config';
import { webhookSecretNames } from '#shared/config/webhook-config';
import { tenantStackName } from '#shared/contract/stack-outputs';
import type { CliIo } from '../cli-io.ts';
import { checkReporter } from './check-reporter.ts';
import {
  checkBootstrap,
  checkConcurrency,
  checkKeyReader,
  checkSecret,
  type PreflightClients,
} from './preflight-checks.ts';
import { checkRegionServices } from './preflight-region.ts';
import { checkResourceCount } from './preflight-resources.ts';

/** The secrets the tenant's webhook streams and pull sources read, sorted. */
function configuredSecretNames(tenant: TenantConfig): string[] {
  const sourceSecrets = Object.values(tenant.sources).flatMap(sourceSecretNames);
  return [...new Set([...webhookSecretNames(tenant.streams), ...sourceSecrets])].sort();
}

/**
 * Runs the preflight of one tenant against the account the clients reach; `deployKeyReaders` are
 * those the deploy will add with `-c keyReaders=`.
 */
export async function runPreflight(
  tenant: TenantConfig,
  io: CliIo,
  clients: PreflightClients,
  deployKeyReaders: readonly string[] = [],
): Promise<number> {
  const out = checkReporter(io, 'preflight');
  out.report(await checkBootstrap(clients.cloudFormation));
  if (isSelfIssuer(tenant.auth))
    out.report(await checkKeyReader(clients.sts, tenant.auth.keyReaders, deployKeyReaders));
  else out.report({ name: 'key reader', outcome: 'skip', detail: `tokens come from ${tenant.auth.issuer}` });
  const secrets = configuredSecretNames(tenant);
  for (const name of secrets) out.report(await checkSecret(clients.secretsManager, name));
  if (secrets.length === 0) out.report({ name: 'secret', outcome: 'skip', detail: 'the config names no secret' });
  out.report(await checkConcurrency(clients.lambda, tenant.reservedConcurrency));
  // The Region the deploy goes to: the one the credentials' clients are configured for.
  const region = await clients.cloudFormation.config.region().catch(() => undefined);
  out.report(await checkRegionServices(clients.globalInfrastructure, region));
  out.report(await checkResourceCount(clients.readTemplate, tenantStackName(tenant.tenant), tenant.tenant));
  return out.verdict();
}
