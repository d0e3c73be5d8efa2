import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/paths';
import { OUT_DIR, sourceHashes } from '../../../../cli/compile/compile-cli.mjs';
import packageJson from '../../../../package.json' with { type: 'json' };

const run = promisify(execFile);
const inputsFile = `${OUT_DIR}/inputs.json`;

describe('the compiled sluice command', () => {
  it('is compiled from the sources as they are now (npm run build recompiles it)', async () => {
    expect(existsSync(inputsFile), 'dist/cli/ is missing: run npm install or npm run build').toBe(true);
    const built = JSON.parse(await readFile(inputsFile, 'utf8')) as Record<string, string>;
    expect(Object.keys(built).length).toBeGreaterThan(0);
    const now = await sourceHashes(Object.keys(built).filter((path) => existsSync(repoPath(path))));
    const stale = Object.keys(built).filter((path) => built[path] !== now[path]);
    expect(stale, 'the compiled command is stale: run npm run build').toEqual([]);
  });

  it('is built by npm install (prepare), and the bin runs it', async () => {
    expect(packageJson.scripts.prepare.split(' && ')).toContain('node cli/compile/compile-cli.mjs');
    const { stdout } = await run(process.execPath, [repoPath('cli', 'sluice.mjs'), '--version']);
    expect(stdout).toBe(`${packageJson.version}\n`);
  });
});

describe('the build scripts npm install and npm run build run', () => {
  const scripts = [
    repoPath('cli', 'compile', 'compile-cli.mjs'),
    repoPath('clients', 'typescript', 'build-package.mjs'),
  ];

  it.each(scripts)('%s says what it does on --help', async (script) => {
    const { stdout } = await run(process.execPath, [script, '--help']);
    expect(stdout).toMatch(/^usage: node \S+\n.*it takes no arguments\n$/);
  });

  it.each(scripts)('%s refuses an argument it does not take, exit 2', async (script) => {
    const failure = await run(process.execPath, [script, '--watch']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/^unknown argument --watch; node \S+ takes none \(--help says what it does\)\n$/);
  });
});
