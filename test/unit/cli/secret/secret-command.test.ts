import { readFile, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { LocalSecretReader } from '#local/pull/local-secrets';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { captureIo } from '../io-capture.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

const VALUE = 'ghp_s3cr3tTokenValue';
const io = (stdin = '', env: NodeJS.ProcessEnv = {}) => captureIo({ env: { SLUICE_HOME: home.base, ...env }, stdin });
const stored = (name: string) => new LocalSecretReader('example', home, {}).read(name);

describe('sluice secret', () => {
  it('stores the value from stdin 0600 without its trailing newline and prints where, never the value', async () => {
    const captured = io(`${VALUE}\n`);
    expect(await runCli(['secret', 'set', 'github-token'], captured.io)).toBe(0);
    const file = `${home.root}/secrets/github-token`;
    expect(captured.stdout()).toBe(`stored secret github-token for tenant example (0600 ${file})\n`);
    expect(await stored('github-token')).toBe(VALUE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(captured.stdout() + captured.stderr()).not.toContain(VALUE);
  });

  it('drops exactly one trailing newline (CR LF too) and keeps the rest of the value as piped', async () => {
    for (const [piped, value] of [
      ['a\n\n', 'a\n'],
      ['b\r\n', 'b'],
      [' c ', ' c '],
    ]) {
      expect(await runCli(['secret', 'set', 'token'], io(piped).io)).toBe(0);
      expect(await stored('token')).toBe(value);
    }
  });

  it('stores a value of 65,536 bytes and refuses one byte more, keeping the old value', async () => {
    expect(await runCli(['secret', 'set', 'big'], io(`${'x'.repeat(65_536)}\n`).io)).toBe(0);
    const captured = io('y'.repeat(65_537));
    expect(await runCli(['secret', 'set', 'big'], captured.io)).toBe(1);
    expect(captured.stderr()).toBe('sluice secret: the value is over 65536 bytes (the most Secrets Manager stores)\n');
    expect(await stored('big')).toBe('x'.repeat(65_536));
  });

  it('refuses an empty value, storing nothing', async () => {
    const captured = io('\n');
    expect(await runCli(['secret', 'set', 'github-token'], captured.io)).toBe(1);
    expect(captured.stderr()).toContain('no value on stdin for secret github-token; nothing stored');
    await expect(stored('github-token')).rejects.toThrow('is not set');
  });

  it('answers a name that is not a secret name with the usage, exit 2, before reading the value', async () => {
    const captured = io(VALUE);
    expect(await runCli(['secret', 'set', '../escape'], captured.io)).toBe(2);
    expect(captured.stderr()).toContain('"../escape" is not a secret name');
    expect(captured.stderr()).toContain('Usage: sluice secret set <name>');
  });

  it('stores under the tenant named by --tenant', async () => {
    const other = await tempHome('other');
    try {
      const captured = captureIo({ env: { SLUICE_HOME: home.base }, stdin: VALUE });
      // A tenant given by path: the fixture's tenant name decides the folder.
      expect(
        await runCli(['secret', 'set', 'token', '--tenant', 'test/unit/cli/fixtures/strict-tenant.ts'], captured.io),
      ).toBe(0);
      expect(captured.stdout()).toMatch(/^stored secret token for tenant [a-z0-9-]+ \(0600 .+\/secrets\/token\)\n$/);
      await expect(stored('token')).rejects.toThrow('is not set');
    } finally {
      await other.remove();
    }
  });

  it('lists stored names only, one per line', async () => {
    await runCli(['secret', 'set', 'zeta'], io(VALUE).io);
    await runCli(['secret', 'set', 'prod/alpha'], io(VALUE).io);
    const captured = io();
    expect(await runCli(['secret', 'ls'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('prod/alpha\nzeta\n');
    expect(captured.stdout()).not.toContain(VALUE);
  });

  it('says so when a tenant has no stored secrets', async () => {
    const captured = io();
    expect(await runCli(['secret', 'ls'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('');
    expect(captured.stderr()).toBe('no secrets stored for tenant example (SLUICE_SECRET_* variables are not listed)\n');
  });

  it('reads a typed value with the echo off and backspace working, and turns the echo back on', async () => {
    const terminal = Object.assign(new PassThrough(), {
      isTTY: true,
      rawModes: [] as boolean[],
      setRawMode(raw: boolean) {
        terminal.rawModes.push(raw);
        return terminal;
      },
    });
    const captured = io();
    const done = runCli(['secret', 'set', 'typed'], { ...captured.io, stdin: terminal });
    terminal.write('s3x\u007f');
    terminal.write('cret\r');
    expect(await done).toBe(0);
    expect(terminal.rawModes).toEqual([true, false]);
    expect(await stored('typed')).toBe('s3cret');
    expect(captured.stderr()).toContain('value of secret typed for tenant example (hidden; Enter ends it): ');
    expect(captured.stdout() + captured.stderr()).not.toContain('s3cret');
  });

  it('stores nothing when the typing is cancelled with Ctrl-C', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => terminal });
    const captured = io();
    const done = runCli(['secret', 'set', 'typed'], { ...captured.io, stdin: terminal });
    terminal.write('abc\u0003');
    expect(await done).toBe(1);
    expect(captured.stderr()).toContain('cancelled; nothing stored');
    await expect(stored('typed')).rejects.toThrow('is not set');
  });

  it('notes when SLUICE_SECRET_<NAME> is set and wins over the stored value', async () => {
    const captured = io(VALUE, { SLUICE_SECRET_GITHUB_TOKEN: 'x' });
    expect(await runCli(['secret', 'set', 'github-token'], captured.io)).toBe(0);
    expect(captured.stderr()).toBe(
      'note: SLUICE_SECRET_GITHUB_TOKEN is set in this environment and wins over the stored value\n',
    );
    expect(await readFile(`${home.root}/secrets/github-token`, 'utf8')).toBe(VALUE);
  });

  it('answers an unknown subcommand or a missing name with the usage, exit 2', async () => {
    for (const args of [['secret'], ['secret', 'get', 'x'], ['secret', 'set'], ['secret', 'ls', 'x']]) {
      const captured = io();
      expect(await runCli(args, captured.io)).toBe(2);
      expect(captured.stderr()).toContain('Usage: sluice secret set <name>');
    }
  });
});
