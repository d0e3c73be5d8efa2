/** The `sluice` command: dispatches to the subcommands and turns errors into exit codes. */

import { TenantConfigError } from '#shared/config/tenant-config';
import { TenantSourceError } from '#shared/config/tenant-loader';
import packageJson from '../package.json' with { type: 'json' };
import { CliError, type CliIo, processIo, UsageError } from './cli-io.ts';
import type { CommandSpec } from './command-spec.ts';

/** Top-level usage. */
export const USAGE = `Usage: sluice <command> [options]

Commands:
  dev                   run local mode (what \`npm start\` does)
  token create          print a signed token
  send <stream> [file]  send a file's records (NDJSON or one XML document), batched and retried
  client types          write a tenant's stream record types for the TypeScript client
  batches ls <stream>   list landed objects (key, records, bytes)
  batches cat <stream>  print every landed record as NDJSON
  batches export <stream> write one Parquet or NDJSON file of a stream
  pull <source>         run a pull source now (--status: every source's state)
  query "<SQL>"         run SQL over the landed batches (DuckDB; same tables as Athena)
  dlq ls <stream>       count a stream's dead letters by problem and reason, show the newest
  dlq replay <stream>   replay dead letters that pass the stream's current config, once each
  verify --stack <name> check a deployed stack end to end (after \`cdk deploy\`)
  secret set <name>     store a pull source's secret locally (value from stdin)
  secret ls             list the names of the stored secrets (never the values)
  openapi               print the tenant's OpenAPI 3.1 document (--out <file> writes it)
  status                what the running dev server took, buffered and landed; its sources' runs

\`sluice <command> --help\` tells more; \`sluice --version\` prints the version.
`;

/** The package's version, what `sluice --version` prints. */
const { version } = packageJson;

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

/**
 * Each command's module, loaded when the command runs: `sluice --help` and `sluice token`
 * then never load DuckDB, the AWS SDK or the embedded services that other commands need.
 */
const COMMANDS: Record<string, () => Promise<{ command: Command; spec: CommandSpec }>> = {
  dev: async () => {
    const module = await import('./dev/dev-command.ts');
    return { command: module.devCommand, spec: module.DEV_COMMAND };
  },
  token: async () => {
    const module = await import('./token/token-command.ts');
    return { command: module.tokenCommand, spec: module.TOKEN_COMMAND };
  },
  send: async () => {
    const module = await import('./send/send-command.ts');
    return { command: module.sendCommand, spec: module.SEND_COMMAND };
  },
  client: async () => {
    const module = await import('./client/client-command.ts');
    return { command: module.clientCommand, spec: module.CLIENT_COMMAND };
  },
  batches: async () => {
    const module = await import('./batches/batches-command.ts');
    return { command: module.batchesCommand, spec: module.BATCHES_COMMAND };
  },
  pull: async () => {
    const module = await import('./pull/pull-command.ts');
    return { command: module.pullCommand, spec: module.PULL_COMMAND };
  },
  query: async () => {
    const module = await import('./query/query-command.ts');
    return { command: module.queryCommand, spec: module.QUERY_COMMAND };
  },
  dlq: async () => {
    const module = await import('./dlq/dlq-command.ts');
    return { command: module.dlqCommand, spec: module.DLQ_COMMAND };
  },
  verify: async () => {
    const module = await import('./verify/verify-command.ts');
    return { command: module.verifyCommand, spec: module.VERIFY_COMMAND };
  },
  secret: async () => {
    const module = await import('./secret/secret-command.ts');
    return { command: module.secretCommand, spec: module.SECRET_COMMAND };
  },
  openapi: async () => {
    const module = await import('./openapi/openapi-command.ts');
    return { command: module.openApiCommand, spec: module.OPENAPI_COMMAND };
  },
  status: async () => {
    const module = await import('./status/status-command.ts');
    return { command: module.statusCommand, spec: module.STATUS_COMMAND };
  },
};

/** The declaration of every command: its parser and its `--help`. */
export async function commandSpecs(): Promise<CommandSpec[]> {
  return Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).spec));
}

/**
 * Errors of modules that only some commands load, told by name so that importing their
 * classes here does not load those modules for every command.
 */
const ACTIONABLE_ERROR_NAMES = new Set(['AlreadyRunningError', 'UnknownSourceError']);

/**
 * The one line for an AWS SDK error that means "no AWS configuration here" (no Region, no
 * credentials), which `--stack` commands otherwise print as a stack trace; undefined for others.
 */
function missingAwsConfiguration(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.message === 'Region is missing') {
    return 'no AWS Region is configured: set AWS_REGION (or a profile with a region in AWS_PROFILE)';
  }
  if (error.name === 'CredentialsProviderError') {
    return 'no AWS credentials were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  return undefined;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout(`${version}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  // Own keys only: `sluice constructor` must not find Object's constructor.
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.stderr(`sluice: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`sluice ${name}: ${error.message}\n\n${error.usage}`);
      return 2;
    }
    if (
      error instanceof CliError ||
      error instanceof TenantConfigError ||
      error instanceof TenantSourceError ||
      (error instanceof Error && ACTIONABLE_ERROR_NAMES.has(error.name))
    ) {
      io.stderr(`sluice ${name}: ${error.message}\n`);
      return 1;
    }
    const missingAws = missingAwsConfiguration(error);
    if (missingAws) {
      io.stderr(`sluice ${name}: ${missingAws}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr(
        `sluice ${name}: the port is in use (${(error as Error).message}); pick others with --port and --s3-port (0 picks a free one)\n`,
      );
      return 1;
    }
    io.stderr(`sluice ${name}: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
