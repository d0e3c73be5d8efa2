/**
 * `sluice secret set <name>` and `sluice secret ls`: the local store of the secrets that pull
 * sources name. The value comes from stdin (hidden when stdin is a terminal), so it is never an
 * argument in the shell history or the process list, and nothing prints it.
 */

import {
  InvalidSecretNameError,
  listLocalSecrets,
  localSecretFile,
  MAX_SECRET_BYTES,
  secretEnvName,
  writeLocalSecret,
} from '#local/pull/local-secrets';
import { tenantHome } from '#local/sluice-home';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';

/** The declaration of `sluice secret`: its options drive the parser and the help. */
export const SECRET_COMMAND = defineCommand({
  name: 'secret',
  synopsis: ['set <name> [options]   (the value is read from stdin)', 'ls [options]'],
  description: `Stores a secret that a pull source or a webhook stream names (auth.secret) in the tenant's
local data, 0600 under .sluice/<tenant>/secrets/, or lists the stored names (never the
values). On a terminal the value is typed hidden and ends with Enter; from a pipe one
trailing newline is dropped:

  printf %s "$GITHUB_TOKEN" | sluice secret set github-token

A webhook secret holds one secret, or two lines (new, then old) during a rotation:

  printf '%s\\n%s' "$NEW_SECRET" "$OLD_SECRET" | sluice secret set github-webhook

SLUICE_SECRET_<NAME> (upper case, other characters as _) in the environment wins over a
stored value.`,
  options: {
    tenant: { type: 'string', value: '<name or path>', help: `whose secrets (default: ${DEFAULT_TENANT})` },
  },
});

/** Usage of `sluice secret`, from its declaration. */
export const SECRET_USAGE = commandUsage(SECRET_COMMAND);

type Stdin = CliIo['stdin'] & { setRawMode?: (raw: boolean) => unknown };

const tooLong = () => new CliError(`the value is over ${MAX_SECRET_BYTES} bytes (the most Secrets Manager stores)`);

/** Reads a piped value, bounded, without its one trailing newline. */
async function readPiped(stdin: Stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buffer.length;
    // Stop reading an endless pipe early; two more bytes for the trailing CR LF that is dropped.
    if (bytes > MAX_SECRET_BYTES + 2) throw tooLong();
    chunks.push(buffer);
  }
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES) throw tooLong();
  return value;
}

/** Reads a typed value with the terminal's echo off (raw mode), until Enter. */
function readHidden(stdin: Stdin & { setRawMode: (raw: boolean) => unknown }, io: CliIo, prompt: string) {
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of String(chunk)) {
        if (character === '\r' || character === '\n' || character === '\u0004') return finish();
        if (character === '\u0003') return finish(new CliError('cancelled; nothing stored'));
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1);
        else value += character;
        if (Buffer.byteLength(value) > MAX_SECRET_BYTES) return finish(tooLong());
      }
    };
    io.stderr(prompt);
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Runs `sluice secret <set|ls>`. */
export async function secretCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(SECRET_COMMAND, args);
  if (values.help) {
    io.stdout(SECRET_USAGE);
    return 0;
  }
  const [action, name, ...rest] = positionals;
  if (action !== 'set' && action !== 'ls') {
    throw new UsageError(action ? `unknown subcommand: ${action}` : 'missing: set or ls', SECRET_USAGE);
  }
  const unexpected = action === 'ls' ? [name, ...rest] : rest;
  if (unexpected[0] !== undefined) throw new UsageError(`unexpected argument: ${unexpected[0]}`, SECRET_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config.tenant;
  const home = tenantHome(loaded, io.env, io.cwd);
  if (action === 'ls') {
    const names = await listLocalSecrets(home);
    io.stdout(names.map((stored) => `${stored}\n`).join(''));
    if (names.length === 0) {
      io.stderr(`no secrets stored for tenant ${tenant} (SLUICE_SECRET_* variables are not listed)\n`);
    }
    return 0;
  }
  if (!name) throw new UsageError('missing: <name>', SECRET_USAGE);
  // The name is checked before reading, so that a typo does not cost typing the value.
  try {
    localSecretFile(home, name);
  } catch (error) {
    if (error instanceof InvalidSecretNameError) throw new UsageError(error.message, SECRET_USAGE);
    throw error;
  }
  const stdin = io.stdin as Stdin;
  const value =
    stdin.isTTY && typeof stdin.setRawMode === 'function'
      ? await readHidden(
          stdin as Stdin & { setRawMode: (raw: boolean) => unknown },
          io,
          `value of secret ${name} for tenant ${tenant} (hidden; Enter ends it): `,
        )
      : await readPiped(stdin);
  if (value === '') {
    throw new CliError(
      `no value on stdin for secret ${name}; nothing stored (pipe it in: printf %s "$VALUE" | sluice secret set ${name})`,
    );
  }
  const file = await writeLocalSecret(home, name, value);
  io.stdout(`stored secret ${name} for tenant ${tenant} (0600 ${file})\n`);
  if (io.env[secretEnvName(name)]) {
    io.stderr(`note: ${secretEnvName(name)} is set in this environment and wins over the stored value\n`);
  }
  return 0;
}
