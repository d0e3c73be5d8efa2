import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidSecretNameError,
  LocalSecretReader,
  listLocalSecrets,
  localSecretsDirectory,
  secretEnvName,
  writeLocalSecret,
} from '#local/pull/local-secrets';
import { SecretUnavailableError } from '#shared/pull/pull-run';
import { tempHome } from '../../../e2e/support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('local secrets', () => {
  it('names the environment variable in upper case with every non-alphanumeric as _', () => {
    expect(secretEnvName('github-token')).toBe('SLUICE_SECRET_GITHUB_TOKEN');
    expect(secretEnvName('prod/hub.spot@v2+x=y')).toBe('SLUICE_SECRET_PROD_HUB_SPOT_V2_X_Y');
  });

  it('reads a secret from SLUICE_SECRET_<NAME> before the stored file', async () => {
    await writeLocalSecret(home, 'github-token', 'from-file');
    const env = { SLUICE_SECRET_GITHUB_TOKEN: 'from-env' };
    expect(await new LocalSecretReader('example', home, env).read('github-token')).toBe('from-env');
    expect(await new LocalSecretReader('example', home, {}).read('github-token')).toBe('from-file');
  });

  it('stores a secret 0600 in a 0700 folder, replacing the old value without leaving a temporary file', async () => {
    // A folder made earlier with a looser mode is tightened.
    await mkdir(localSecretsDirectory(home), { recursive: true, mode: 0o755 });
    const file = await writeLocalSecret(home, 'github-token', 'one');
    await writeLocalSecret(home, 'github-token', 'two');
    expect(file).toBe(`${home.root}/secrets/github-token`);
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(dirname(file))).toBe(0o700);
    expect(await readdir(dirname(file))).toEqual(['github-token']);
  });

  it('keeps a name with slashes as one file inside the folder, even one shaped like a way out', async () => {
    const file = await writeLocalSecret(home, 'a/../../escape', 'v');
    expect(dirname(file)).toBe(localSecretsDirectory(home));
    expect(await new LocalSecretReader('example', home, {}).read('a/../../escape')).toBe('v');
    await writeLocalSecret(home, 'prod/github', 'w');
    expect(await listLocalSecrets(home)).toEqual(['a/../../escape', 'prod/github']);
  });

  it('refuses what is not a secret name: 129 characters, a leading dot, an empty name', async () => {
    await expect(writeLocalSecret(home, 'a'.repeat(128), 'v')).resolves.toBeDefined();
    for (const name of ['a'.repeat(129), '../x', '']) {
      await expect(writeLocalSecret(home, name, 'v')).rejects.toBeInstanceOf(InvalidSecretNameError);
      await expect(new LocalSecretReader('example', home, {}).read(name)).rejects.toBeInstanceOf(
        SecretUnavailableError,
      );
    }
  });

  it('says both ways to provide a missing secret, naming the variable and the command', async () => {
    await expect(new LocalSecretReader('example', home, {}).read('github-token')).rejects.toThrow(
      'secret github-token is not set for tenant example: set SLUICE_SECRET_GITHUB_TOKEN in the environment, or run `sluice secret set github-token --tenant example`',
    );
  });

  it('lists no secrets for a tenant that has none', async () => {
    expect(await listLocalSecrets(home)).toEqual([]);
  });
});
