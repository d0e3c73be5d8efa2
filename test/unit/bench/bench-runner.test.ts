import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/paths';

// `npm run bench -- <arguments>`, as npm runs it.
const bench = (...argv: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', repoPath('bench', 'run.ts'), ...argv], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run bench', () => {
  it('says what it runs on --help, and runs nothing', () => {
    const run = bench('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: npm run bench [-- <benchmark>...]');
    expect(run.stdout).toContain('handler, cold-start, throughput, query, pull, client');
    expect(run.stderr).not.toContain('==');
  });

  it('refuses a name that is no benchmark, an Object.prototype member included', () => {
    for (const name of ['nope', 'constructor']) {
      const run = bench(name);
      expect(run.status).toBe(64);
      expect(run.stderr).toContain(`unknown benchmark ${name}; choose from handler,`);
    }
  });
});
