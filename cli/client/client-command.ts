/** `sluice client types`: writes the record types of a tenant's streams for the TypeScript client. */
import { writeFile } from 'node:fs/promises';
import { loadTenant } from '#shared/config/tenant-loader';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { clientTypesSource } from './client-types.ts';

/** The declaration of `sluice client`: its options drive the parser and the help. */
export const CLIENT_COMMAND = defineCommand({
  name: 'client',
  synopsis: ['types --tenant <name or path> [options]'],
  description: `Writes a TypeScript module with the record type of every stream the tenant's tokens post to
(from the stream's schema; a stream without one takes any JSON object, an XML stream a string)
and the streams' settings (batch posts, maxBytes), for \`new SluiceClient<Streams>({ streams })\`.`,
  options: {
    tenant: { type: 'string', value: '<name or path>', help: 'the tenant config (a name in tenants/ or a path)' },
    out: { type: 'string', value: '<file>', help: 'the file to write (default: stdout)' },
  },
});

/** Usage of `sluice client`, from its declaration. */
export const CLIENT_USAGE = commandUsage(CLIENT_COMMAND);

/** Runs `sluice client`. */
export async function clientCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(CLIENT_COMMAND, args);
  if (values.help) {
    io.stdout(CLIENT_USAGE);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (action !== 'types') throw new UsageError(action ? `unknown action: ${action}` : 'missing: types', CLIENT_USAGE);
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`, CLIENT_USAGE);
  if (!values.tenant) throw new UsageError('missing: --tenant <name>', CLIENT_USAGE);
  const source = clientTypesSource((await loadTenant(values.tenant, { cwd: io.cwd })).config);
  if (!values.out) {
    io.stdout(source);
    return 0;
  }
  try {
    await writeFile(values.out, source);
  } catch (error) {
    throw new CliError(
      `cannot write ${values.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  io.stderr(`wrote ${values.out}\n`);
  return 0;
}
