/** `sluice token create`: prints a signed token (only the JWT) on stdout. */

import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { readServerState } from '#local/server-state';
import { tenantHome } from '#local/sluice-home';
import { isSelfIssuer, TENANT_NAME_PATTERN } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { tenantOfStackName } from '#shared/contract/stack-outputs';
import { type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { list, positiveNumber } from '../parse-options.ts';
import type { StackClients } from './stack-token.ts';

/** The declaration of `sluice token`: its options drive the parser and the help. */
export const TOKEN_COMMAND = defineCommand({
  name: 'token',
  synopsis: ['create [options]', 'create --stack <stack name> [options]'],
  description: 'Prints a signed JWT for the tenant, and nothing else, on stdout.',
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})`,
    },
    days: {
      type: 'string',
      value: '<n>',
      help: "lifetime in days (default: 1; at most the tenant's auth.maxTokenDays)",
    },
    streams: {
      type: 'string',
      value: 'a,b',
      help: "limit the token to these streams (default: every stream of the tenant;\nwith --stack, checked against the deployed stack's streams)",
    },
    issuer: {
      type: 'string',
      value: '<url>',
      help: 'local issuer URL (default: the running `sluice dev`, else http://127.0.0.1:4000)',
    },
    stack: {
      type: 'string',
      value: '<stack name>',
      help: "sign with a deployed stack's key (CloudFormation outputs + Secrets Manager);\nno local tenant config is read",
    },
  },
});

/** Usage of `sluice token`, from its declaration. */
export const TOKEN_USAGE = commandUsage(TOKEN_COMMAND);

/** Default local issuer: `sluice dev` on its default port. */
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:4000';

/** What the token may ask for: the streams and longest lifetime of a tenant config or a deployed stack. */
interface TokenLimits {
  /** Who has the streams, for the message: `tenant example`, `stack Sluice-acme`. */
  readonly owner: string;
  readonly streams: readonly string[];
  readonly maxTokenDays: number | undefined;
}

function checkRequest(limits: TokenLimits, days: number, streams: readonly string[] | undefined): void {
  const unknown = streams?.filter((id) => !limits.streams.includes(id)) ?? [];
  if (unknown.length > 0) {
    throw new UsageError(
      `${limits.owner} has no stream ${unknown.join(', ')} (it has ${limits.streams.join(', ')})`,
      TOKEN_USAGE,
    );
  }
  if (limits.maxTokenDays !== undefined && days > limits.maxTokenDays) {
    throw new UsageError(`--days must be at most ${limits.maxTokenDays} (auth.maxTokenDays)`, TOKEN_USAGE);
  }
}

/** Runs `sluice token <subcommand>`. */
export async function tokenCommand(
  args: readonly string[],
  io: CliIo,
  stackClients?: () => StackClients,
): Promise<number> {
  const { values, positionals } = parseCommand(TOKEN_COMMAND, args);
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
    const tenantName = values.tenant ?? tenantOfStackName(stackName);
    if (!tenantName) throw new UsageError(`cannot tell the tenant of stack ${stackName}; pass --tenant`, TOKEN_USAGE);
    if (!TENANT_NAME_PATTERN.test(tenantName)) {
      throw new UsageError(`with --stack, --tenant takes a tenant name, not "${tenantName}"`, TOKEN_USAGE);
    }
    // Loaded here: the AWS SDK clients cost a local token most of its start time.
    const { createStackToken, defaultStackClients, readStackOutputs, stackTokenLimits } = await import(
      './stack-token.ts'
    );
    // The deployed stack, not a tenants/ file that may differ from it, says what a token may ask for.
    const clients = (stackClients ?? defaultStackClients)();
    const outputs = await readStackOutputs(clients.cloudFormation, stackName);
    checkRequest({ owner: `stack ${stackName}`, ...stackTokenLimits(outputs) }, days, streams);
    const token = await createStackToken(
      clients,
      { stackName, tenant: tenantName, days, ...(streams ? { streams } : {}) },
      outputs,
    );
    io.stdout(`${token}\n`);
    return 0;
  }
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  const limits = {
    owner: `tenant ${tenant.tenant}`,
    streams: Object.keys(tenant.streams),
    maxTokenDays: isSelfIssuer(tenant.auth) ? tenant.auth.maxTokenDays : undefined,
  };
  checkRequest(limits, days, streams);
  const home = tenantHome(loaded, io.env, io.cwd);
  const issuer = values.issuer ?? (await readServerState(home.serverStateFile))?.issuer ?? DEFAULT_LOCAL_URL;
  const keySet = await loadOrCreateKeySet(home.keySetFile);
  const token = await signLocalToken(keySet, { issuer, tenant: tenant.tenant, days, ...(streams ? { streams } : {}) });
  io.stdout(`${token}\n`);
  return 0;
}
