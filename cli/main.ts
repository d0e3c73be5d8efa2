/** The `sluice` command: dispatches to the subcommands and turns errors into exit codes. */

import { AlreadyRunningError } from '#local/dev-server';
import { UnknownSourceError } from '#local/pull/tenant-sources';
import { TenantConfigError } from '#shared/config/tenant-config';
import { TenantSourceError } from '#shared/config/tenant-loader';
import packageJson from '../package.json' with { type: 'json' };
import { BATCHES_COMMAND, batchesCommand } from './batches/batches-command.ts';
import { CliError, type CliIo, processIo, UsageError } from './cli-io.ts';
import type { CommandSpec } from './command-spec.ts';
import { DEV_COMMAND, devCommand } from './dev/dev-command.ts';
import { DLQ_COMMAND, dlqCommand } from './dlq/dlq-command.ts';
import { OPENAPI_COMMAND, openApiCommand } from './openapi/openapi-command.ts';
import { PULL_COMMAND, pullCommand } from './pull/pull-command.ts';
import { QUERY_COMMAND, queryCommand } from './query/query-command.ts';
import { SECRET_COMMAND, secretCommand } from './secret/secret-command.ts';
import { SEND_COMMAND, sendCommand } from './send/send-command.ts';
import { STATUS_COMMAND, statusCommand } from './status/status-command.ts';
import { TOKEN_COMMAND, tokenCommand } from './token/token-command.ts';
import { VERIFY_COMMAND, verifyCommand } from './verify/verify-command.ts';

/** Top-level usage. */
export const USAGE = `Usage: sluice <command> [options]

Commands:
  dev                   run local mode (what \`npm start\` does)
  token create          print a signed token
  send <stream> [file]  post a record, retrying 429 and 5xx
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

/** The declaration of each command that takes options: its parser and its `--help`. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  DEV_COMMAND,
  TOKEN_COMMAND,
  SEND_COMMAND,
  BATCHES_COMMAND,
  PULL_COMMAND,
  QUERY_COMMAND,
  DLQ_COMMAND,
  VERIFY_COMMAND,
  SECRET_COMMAND,
  OPENAPI_COMMAND,
  STATUS_COMMAND,
];

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  dev: devCommand,
  token: (args, io) => tokenCommand(args, io),
  send: sendCommand,
  batches: batchesCommand,
  pull: (args, io) => pullCommand(args, io),
  query: (args, io) => queryCommand(args, io),
  dlq: (args, io) => dlqCommand(args, io),
  verify: (args, io) => verifyCommand(args, io),
  secret: secretCommand,
  openapi: openApiCommand,
  status: statusCommand,
};

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
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`sluice: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
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
      error instanceof UnknownSourceError ||
      error instanceof AlreadyRunningError
    ) {
      io.stderr(`sluice ${name}: ${error.message}\n`);
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
