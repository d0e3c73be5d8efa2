/**
 * `sluice status`: what the running dev server of a tenant has taken, buffered and landed
 * per stream, and when each source ran and runs next. It reads the server's status route
 * (local/observability/status-route.ts), found through the state file the server writes, as `sluice pull` does.
 */
import type { DevStatus } from '#local/observability/dev-status';
import { STATUS_ROUTE_PATH } from '#local/observability/status-route';
import { readServerState } from '#local/server-state';
import { tenantHome } from '#local/sluice-home';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { reachDevServer, refusalMessage } from '../dev-server-admin.ts';

import { statusTables } from './status-table.ts';

/** The declaration of `sluice status`: its options drive the parser and the help. */
export const STATUS_COMMAND = defineCommand({
  name: 'status',
  synopsis: ['[options]'],
  description: `Shows the running dev server of a tenant: per stream the records accepted, rejected and
dead-lettered since it started, the records buffered and the age of the oldest, and the
last object written and when; per source its last run (when, outcome, records) and its next
run. Exits 1 when no dev server runs for the tenant. The same counts are on the server's
GET /metrics, in Prometheus text format.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})`,
    },
    json: { type: 'boolean', help: 'print the status as one JSON object instead of tables' },
  },
});

/** Usage of `sluice status`, from its declaration. */
export const STATUS_USAGE = commandUsage(STATUS_COMMAND);

/** Runs `sluice status`. */
export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(STATUS_COMMAND, args);
  if (values.help) {
    io.stdout(STATUS_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, STATUS_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  const home = tenantHome(loaded, io.env, io.cwd);
  const server = await readServerState(home.serverStateFile);
  // As the user named the tenant: a path works where a name outside tenants/ would not.
  const tenantOption = values.tenant === undefined ? '' : ` --tenant ${values.tenant}`;
  if (!server) {
    throw new CliError(
      `no dev server runs for tenant ${tenant.tenant} (no live ${home.serverStateFile}); start one with \`npx sluice dev${tenantOption}\` (or \`npm start\`)`,
    );
  }
  if (!server.pullKey)
    throw new CliError(`the dev server at ${server.url} is older than \`sluice status\`; restart it`);
  const keyed = { ...server, pullKey: server.pullKey };
  const response = await reachDevServer(keyed, STATUS_ROUTE_PATH, {}, (message) => new CliError(message));
  if (!response.ok) throw new CliError(await refusalMessage(response));
  const status = (await response.json()) as DevStatus;
  io.stdout(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusTables(status, server.url));
  return 0;
}
