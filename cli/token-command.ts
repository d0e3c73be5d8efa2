/** `sluice token create`: prints a signed token (only the JWT) on stdout. */

import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { readServerState } from '#local/server-state';
import { sluiceHome } from '#local/sluice-home';
import { isSelfIssuer, type TenantConfig } from '#shared/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/tenant-loader';
import { type CliIo, UsageError } from './cli-io.ts';
import { list, parseOptions, positiveNumber } from './parse-options.ts';
import { createStackToken, defaultStackClients, type StackClients, tenantOfStack } from './stack-token.ts';

/** Usage of `sluice token create`. */
export const TOKEN_USAGE = `Usage: sluice token create [--tenant <name or path>] [--days <n>] [--streams a,b] [--issuer <url>]
       sluice token create --stack <stack name> [--tenant <name>] [--days <n>] [--streams a,b]

Prints a signed JWT for the tenant, and nothing else, on stdout.

  --tenant   tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})
  --days     lifetime in days (default: 1; at most the tenant's auth.maxTokenDays)
  --streams  limit the token to these streams (default: every stream of the tenant)
  --issuer   local issuer URL (default: the running \`sluice dev\`, else http://127.0.0.1:4000)
  --stack    sign with a deployed stack's key (CloudFormation outputs + Secrets Manager)
`;

/** Default local issuer: `sluice dev` on its default port. */
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:4000';

function checkRequest(tenant: TenantConfig, days: number, streams: readonly string[] | undefined): void {
  const unknown = streams?.filter((id) => !Object.hasOwn(tenant.streams, id)) ?? [];
  if (unknown.length > 0) {
    throw new UsageError(
      `tenant ${tenant.tenant} has no stream ${unknown.join(', ')} (it has ${Object.keys(tenant.streams).join(', ')})`,
      TOKEN_USAGE,
    );
  }
  if (isSelfIssuer(tenant.auth) && days > tenant.auth.maxTokenDays) {
    throw new UsageError(`--days must be at most ${tenant.auth.maxTokenDays} (auth.maxTokenDays)`, TOKEN_USAGE);
  }
}

/** Runs `sluice token <subcommand>`. */
export async function tokenCommand(
  args: readonly string[],
  io: CliIo,
  stackClients: () => StackClients = defaultStackClients,
): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      tenant: { type: 'string' },
      days: { type: 'string' },
      streams: { type: 'string' },
      issuer: { type: 'string' },
      stack: { type: 'string' },
    },
    TOKEN_USAGE,
  );
  if (values.help) {
    io.stdout(TOKEN_USAGE);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length > 1) {
    throw new UsageError(
      positionals[0] ? `unknown argument: ${positionals.join(' ')}` : 'missing: create',
      TOKEN_USAGE,
    );
  }
  const days = positiveNumber(values.days, '--days', 1, TOKEN_USAGE);
  const streams = list(values.streams);
  if (values.stack) {
    const stackName = values.stack;
    const tenantName = values.tenant ?? tenantOfStack(stackName);
    if (!tenantName) throw new UsageError(`cannot tell the tenant of stack ${stackName}; pass --tenant`, TOKEN_USAGE);
    const tenant = await loadTenant(tenantName, { cwd: io.cwd }).then(
      (loaded) => loaded.config,
      () => undefined,
    );
    if (tenant) checkRequest(tenant, days, streams);
    const token = await createStackToken(stackClients(), {
      stackName,
      tenant: tenant?.tenant ?? tenantName,
      days,
      ...(streams ? { streams } : {}),
    });
    io.stdout(`${token}\n`);
    return 0;
  }
  const { config: tenant } = await loadTenant(values.tenant, { cwd: io.cwd });
  checkRequest(tenant, days, streams);
  const home = sluiceHome(tenant.tenant, io.env, io.cwd);
  const issuer = values.issuer ?? (await readServerState(home.serverStateFile))?.issuer ?? DEFAULT_LOCAL_URL;
  const keySet = await loadOrCreateKeySet(home.keySetFile);
  const token = await signLocalToken(keySet, { issuer, tenant: tenant.tenant, days, ...(streams ? { streams } : {}) });
  io.stdout(`${token}\n`);
  return 0;
}
