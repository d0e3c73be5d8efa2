import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { statusTable, statusTableWithSource } from '#shared/docs-tables/contract-tables';
import { exampleTenantSnippet } from '#shared/docs-tables/tenant-snippet';

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, '../../../..');
const SCRIPT = join(REPO_ROOT, 'shared/docs-tables/write-docs.ts');
const roots: string[] = [];

afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** A repo-like root whose README and contract page hold stale generated sections. */
async function staleRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-docs-'));
  roots.push(root);
  await mkdir(join(root, 'docs'));
  const section = (name: string) => `<!-- generated:${name} -->\n| stale |\n<!-- /generated:${name} -->`;
  await writeFile(
    join(root, 'README.md'),
    `# R\n\n${section('status-table')}\n\nafter\n\n${section('tenant-example')}\n`,
  );
  await writeFile(join(root, 'docs/contract.md'), `# C\n\n${section('status-table')}\n\n${section('problem-types')}\n`);
  await writeFile(join(root, 'docs/deploy.md'), `# D\n\n${section('stack-outputs')}\n`);
  await writeFile(
    join(root, 'docs/operations.md'),
    `# O\n\n${section('metric-table')}\n\n${section('alarm-table')}\n\n${section('alarm-runbook')}\n`,
  );
  return root;
}

async function writeDocs(root: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', SCRIPT, root], { cwd: REPO_ROOT });
  return stdout;
}

describe('npm run docs', () => {
  it('rewrites stale generated sections and leaves the text around them', async () => {
    const root = await staleRoot();
    expect(await writeDocs(root)).toBe(
      'README.md rewritten\ndocs/contract.md rewritten\ndocs/deploy.md rewritten\ndocs/operations.md rewritten\n',
    );
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(
      `# R\n\n<!-- generated:status-table -->\n${statusTable()}\n<!-- /generated:status-table -->\n\nafter\n\n` +
        `<!-- generated:tenant-example -->\n${exampleTenantSnippet()}\n<!-- /generated:tenant-example -->\n`,
    );
    expect(readme).toContain(await readFile(join(REPO_ROOT, 'tenants/example.ts'), 'utf8'));
    const contract = await readFile(join(root, 'docs/contract.md'), 'utf8');
    expect(contract).toContain(statusTableWithSource());
    expect(await readFile(join(root, 'docs/deploy.md'), 'utf8')).toContain('| `AlarmTopicArn` |');
    expect(contract).not.toContain('| stale |');
  });

  it('reports files already up to date and leaves them as they are', async () => {
    const root = await staleRoot();
    await writeDocs(root);
    const before = await readFile(join(root, 'README.md'), 'utf8');
    expect(await writeDocs(root)).toBe(
      'README.md is up to date\ndocs/contract.md is up to date\ndocs/deploy.md is up to date\ndocs/operations.md is up to date\n',
    );
    expect(await readFile(join(root, 'README.md'), 'utf8')).toBe(before);
  });

  it('fails, naming the file and the markers, when a file lacks a generated section', async () => {
    const root = await staleRoot();
    await writeFile(join(root, 'README.md'), '# R without markers\n');
    await expect(writeDocs(root)).rejects.toMatchObject({
      stderr: expect.stringContaining('README.md: expected one <!-- generated:status-table -->'),
    });
    expect(await readFile(join(root, 'README.md'), 'utf8')).toBe('# R without markers\n');
  });
});
