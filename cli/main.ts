/** The `sluice` command: dispatches to the subcommands and turns errors into exit codes. */

import { AlreadyRunningError } from '#local/dev-server';
import { UnknownSourceError } from '#local/pull/tenant-sources';
import { TenantConfigError } from '#shared/config/tenant-config';
import { TenantSourceError } from '#shared/config/tenant-loader';
import { batchesCommand } from './batches/batches-command.ts';
import { CliError, type CliIo, processIo, UsageError } from './cli-io.ts';
import { clientCommand } from './client/client-command.ts';
import { devCommand } from './dev/dev-command.ts';
import { dlqCommand } from './dlq/dlq-command.ts';
import { openApiCommand } from './openapi/openapi-command.ts';
import { pullCommand } from './pull/pull-command.ts';
import { queryCommand } from './query/query-command.ts';
import { secretCommand } from './secret/secret-command.ts';
import { sendCommand } from './send/send-command.ts';
import { statusCommand } from './status/status-command.ts';
import { tokenCommand } from './token/token-command.ts';
import { verifyCommand } from './verify/verify-command.ts';

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
  openapi               print the tenant's OpenAPI 3.1 document (--out <file> writes it)
  status                what the running dev server took, buffered and landed; its sources' runs

\`sluice <command> --help\` tells more.
`;

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  dev: devCommand,
  token: (args, io) => tokenCommand(args, io),
  send: sendCommand,
  client: clientCommand,
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
