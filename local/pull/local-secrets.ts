/**
 * Secrets in local mode: `SLUICE_SECRET_<NAME>` in the environment, else a file that
 * `sluice secret set <name>` wrote under the tenant's data (`.sluice/<tenant>/secrets/`), 0600
 * in a 0700 folder. A secret name may hold `/` (Secrets Manager allows it), so the file name is
 * the name percent-encoded: one path segment whatever the name, never a way out of the folder.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRET_NAME_PATTERN } from '#shared/config/source-config';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';
import type { SluiceHome } from '../sluice-home.ts';

/** The largest value stored, as in Secrets Manager (65,536 bytes). */
export const MAX_SECRET_BYTES = 65_536;

/** The prefix of the environment variables that hold secrets locally. */
export const SECRET_ENV_PREFIX = 'SLUICE_SECRET_';

/** The environment variable that holds a secret locally: upper case, every non-alphanumeric as `_`. */
export function secretEnvName(name: string): string {
  return `${SECRET_ENV_PREFIX}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The `SLUICE_SECRET_*` variables of an environment (what `sluice pull` hands a running dev server). */
export function secretVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[0].startsWith(SECRET_ENV_PREFIX) && Boolean(entry[1]),
    ),
  );
}

/**
 * The one precedence of local secrets, for the dev server's pull runs and webhooks and for
 * `sluice pull` with or without a dev server: `SLUICE_SECRET_<NAME>` in `env` wins, else
 * `otherwise` reads the secret (in the end the value `sluice secret set` stored). A variable is
 * the quick override for one shell; the stored value is the default every process shares.
 */
export function environmentFirst(env: NodeJS.ProcessEnv, otherwise: SecretReader): SecretReader {
  return {
    read: async (name) => env[secretEnvName(name)] || otherwise.read(name),
  };
}

/** The folder of a tenant's local secrets. */
export function localSecretsDirectory(home: Pick<SluiceHome, 'root'>): string {
  return join(home.root, 'secrets');
}

/** The file of one local secret. */
export function localSecretFile(home: Pick<SluiceHome, 'root'>, name: string): string {
  return join(localSecretsDirectory(home), encodeURIComponent(checkName(name)));
}

/** A secret name that is not one (it would not be a Secrets Manager name either). */
export class InvalidSecretNameError extends Error {
  override readonly name = 'InvalidSecretNameError';
}

function checkName(name: string): string {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new InvalidSecretNameError(
      `"${name.slice(0, 64)}" is not a secret name (a letter or digit, then letters, digits and /_+=.@-, at most 128)`,
    );
  }
  return name;
}

/** Stores a secret 0600 in a 0700 folder, atomically (a reader sees the old value or the new one); resolves with its file. */
export async function writeLocalSecret(home: Pick<SluiceHome, 'root'>, name: string, value: string): Promise<string> {
  const file = localSecretFile(home, name);
  const directory = localSecretsDirectory(home);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  // mkdir leaves the mode of a folder that was there already.
  await chmod(directory, 0o700);
  const temporary = join(directory, `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(value, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
  return file;
}

/** The names of a tenant's stored local secrets, sorted (never their values). */
export async function listLocalSecrets(home: Pick<SluiceHome, 'root'>): Promise<string[]> {
  const entries = await readdir(localSecretsDirectory(home)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => !entry.startsWith('.'))
    .map((entry) => decodeURIComponent(entry))
    .sort();
}

/** {@link SecretReader} of local mode: the environment first, then the tenant's secret files ({@link environmentFirst}). */
export class LocalSecretReader implements SecretReader {
  readonly #home: Pick<SluiceHome, 'root'>;
  readonly #tenant: string;
  readonly #reader: SecretReader;

  constructor(tenant: string, home: Pick<SluiceHome, 'root'>, env: NodeJS.ProcessEnv = process.env) {
    this.#tenant = tenant;
    this.#home = home;
    this.#reader = environmentFirst(env, { read: (name) => this.#readStored(name) });
  }

  read(name: string): Promise<string> {
    return this.#reader.read(name);
  }

  async #readStored(name: string): Promise<string> {
    const variable = secretEnvName(name);
    let file: string;
    try {
      file = localSecretFile(this.#home, name);
    } catch (error) {
      throw new SecretUnavailableError(name, (error as Error).message);
    }
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SecretUnavailableError(
          name,
          `cannot read secret ${name} from ${file} (${(error as NodeJS.ErrnoException).code})`,
        );
      }
      throw new SecretUnavailableError(
        name,
        `secret ${name} is not set for tenant ${this.#tenant}: set ${variable} in the environment, or run \`sluice secret set ${name} --tenant ${this.#tenant}\``,
      );
    }
  }
}
