/**
 * `sluice pull <source>`: one run of a source now, to its end, with a line per page. While a
 * dev server runs for the tenant it owns the state and the delivery journal, so the run goes
 * through its pull routes; otherwise this command opens the tenant's embedded S3, DynamoDB and
 * Firehose emulation itself, as `batches cat` does, and flushes before it exits.
 */

import { createS3Client, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { FirehoseEmulation } from '#local/firehose/firehose-emulation';
import type { PageProgress } from '#local/pull/local-pull';
import { secretVariables } from '#local/pull/local-secrets';
import { PULL_ROUTE_PREFIX, type PullStreamLine } from '#local/pull/pull-admin-route';
import type { OpenLocalPull } from '#local/pull/pull-wiring';
import { runSummaryLine } from '#local/pull/run-summary-line';
import { tenantSource, tenantSourceNames, UnknownSourceError } from '#local/pull/tenant-sources';
import { readServerState, type ServerState } from '#local/server-state';
import { type SluiceHome, tenantHome } from '#local/sluice-home';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import { type RunSummary, SourceBusyError, type SourceState } from '#shared/pull/pull-run';
import { plural } from '../../shared/text/plural.ts';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { type KeyedServer, reachDevServer, refusalMessage } from '../dev-server-admin.ts';

/** The declaration of `sluice pull`: its options drive the parser and the help. */
export const PULL_COMMAND = defineCommand({
  name: 'pull',
  synopsis: ['<source> [options]', '--status [--tenant <name or path>]'],
  description: `Runs one run of a pull source now, to its end, printing a line per page and a summary.
Exits 0 when the run succeeded or was partial (the next run continues), 1 when it failed
or another run of the source holds its lease. With a dev server running for the tenant,
the run goes through it; otherwise the tenant's local data is opened for this run.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})`,
    },
    'full-refresh': {
      type: 'boolean',
      help: "ignore the saved incremental cursor and start from the source's initial value",
    },
    status: { type: 'boolean', help: "list each source's saved state and last run" },
  },
});

/** Usage of `sluice pull`, from its declaration. */
export const PULL_USAGE = commandUsage(PULL_COMMAND);

/** How the command opens the pull side when no dev server runs (the real one unless a test says otherwise). */
export type PullOpener = (options: {
  tenant: TenantConfig;
  home: SluiceHome;
  delivery: RecordDelivery;
  env: NodeJS.ProcessEnv;
}) => Promise<OpenLocalPull>;

const realOpener: PullOpener = async (options) => (await import('#local/pull/pull-wiring')).openLocalPull(options);

function pageLine(page: PageProgress): string {
  return `pull ${page.source} page ${page.page}: ${plural(page.records, 'record')} from ${page.url}\n`;
}

function exitCode(summary: RunSummary): number {
  return summary.status === 'failed' ? 1 : 0;
}

/** One source's state as a line of `--status`. */
export function statusLine(name: string, state: SourceState | undefined): string {
  if (!state) return `${name}: never run`;
  const last = state.lastRun
    ? `last run ${state.lastRun.run} ended ${state.lastRun.endedAt}; ${runSummaryLine(state.lastRun)}`
    : 'no finished run';
  const cursor = state.cursor === undefined ? '' : `; cursor ${state.cursor}`;
  const run = state.run
    ? `; run ${state.run.id} in progress or interrupted after ${plural(state.run.pages, 'page')}, ${plural(state.run.records, 'record')}`
    : '';
  return `${name}: ${last}${cursor}${run}`;
}

function serverRequest(server: KeyedServer, path: string, init: RequestInit): Promise<Response> {
  return reachDevServer(server, path, init, (message) => new CliError(message));
}

async function runThroughServer(server: KeyedServer, name: string, fullRefresh: boolean, io: CliIo): Promise<number> {
  const query = fullRefresh ? '?full-refresh' : '';
  // This command's SLUICE_SECRET_* win over the server's, as when it runs the source itself
  // (one precedence: environmentFirst in local/pull/local-secrets.ts); loopback and keyed.
  const response = await serverRequest(server, `${PULL_ROUTE_PREFIX}/${encodeURIComponent(name)}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secretEnv: secretVariables(io.env) }),
  });
  if (!response.ok || !response.body) throw new CliError(await refusalMessage(response));
  let pending = '';
  let code: number | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = JSON.parse(pending.slice(0, newline)) as PullStreamLine;
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if ('page' in line) io.stdout(pageLine(line.page));
      else if ('summary' in line) {
        io.stdout(`${runSummaryLine(line.summary)}\n`);
        code = exitCode(line.summary);
      } else {
        io.stderr(`sluice pull: ${line.error.message}\n`);
        code = 1;
      }
    }
  }
  if (code === undefined) throw new CliError('the dev server stopped before the run ended; the next run resumes it');
  return code;
}

async function runHere(
  tenant: TenantConfig,
  home: SluiceHome,
  name: string,
  fullRefresh: boolean,
  io: CliIo,
  open: PullOpener,
): Promise<number> {
  const s3 = await startEmbeddedS3(home.s3, 0);
  try {
    const delivery = new FirehoseEmulation({
      tenant,
      s3: createS3Client(s3.endpoint),
      bucket: s3.bucket,
      journalDirectory: home.buffers,
    });
    await delivery.replay();
    const pull = await open({ tenant, home, delivery, env: io.env });
    // Ctrl-C or SIGTERM ends the run within a second, partial with its progress saved and its
    // lease released, and still flushes.
    const stop = () => {
      io.stderr('stopping the run; the next run resumes from the last committed page\n');
      pull.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const summary = await pull.run(name, { fullRefresh, onPage: (page) => io.stdout(pageLine(page)) });
      io.stdout(`${runSummaryLine(summary)}\n`);
      return exitCode(summary);
    } catch (error) {
      if (error instanceof SourceBusyError) throw new CliError(error.message);
      throw error;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await pull.close();
      await delivery.flushAll();
    }
  } finally {
    await s3.close();
  }
}

async function printStatus(
  tenant: TenantConfig,
  home: SluiceHome,
  server: ServerState | undefined,
  io: CliIo,
  open: PullOpener,
): Promise<number> {
  let states: Map<string, SourceState | undefined>;
  if (server?.pullKey) {
    const response = await serverRequest({ ...server, pullKey: server.pullKey }, PULL_ROUTE_PREFIX, { method: 'GET' });
    if (!response.ok) throw new CliError(`the dev server answered ${response.status} to the status request`);
    const body = (await response.json()) as { sources: { source: string; state?: SourceState }[] };
    states = new Map(body.sources.map((entry) => [entry.source, entry.state]));
  } else {
    // Reading state delivers nothing.
    const delivery = { deliver: () => Promise.reject(new Error('--status delivers nothing')) };
    const pull = await open({ tenant, home, delivery, env: io.env });
    try {
      states = new Map((await pull.status()).map((state) => [state.source, state]));
    } finally {
      await pull.close();
    }
  }
  for (const name of tenantSourceNames(tenant)) io.stdout(`${statusLine(name, states.get(name))}\n`);
  return 0;
}

/** Runs `sluice pull`. */
export async function pullCommand(args: readonly string[], io: CliIo, open: PullOpener = realOpener): Promise<number> {
  const { values, positionals } = parseCommand(PULL_COMMAND, args);
  if (values.help) {
    io.stdout(PULL_USAGE);
    return 0;
  }
  const [name, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`, PULL_USAGE);
  if (values.status && (name || values['full-refresh'])) {
    throw new UsageError('--status takes no source and no --full-refresh', PULL_USAGE);
  }
  if (!values.status && !name) throw new UsageError('missing: <source> (or --status)', PULL_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  if (tenantSourceNames(tenant).length === 0) {
    throw new CliError(`tenant ${tenant.tenant} has no sources (add them under sources: in its config; docs/pull.md)`);
  }
  const home = tenantHome(loaded, io.env, io.cwd);
  const server = await readServerState(home.serverStateFile);
  if (values.status) return printStatus(tenant, home, server, io, open);
  const source = name ?? '';
  try {
    tenantSource(tenant, source);
  } catch (error) {
    if (error instanceof UnknownSourceError) throw new UsageError(error.message, PULL_USAGE);
    throw error;
  }
  const fullRefresh = values['full-refresh'] ?? false;
  if (server?.pullKey) return runThroughServer({ ...server, pullKey: server.pullKey }, source, fullRefresh, io);
  return runHere(tenant, home, source, fullRefresh, io, open);
}
