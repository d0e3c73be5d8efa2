/**
 * The one-way imports of DESIGN.md §5 as Biome enforces them: a probe file is written into a
 * folder, linted with the repository's biome.json, and removed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/paths';

/** Lints one import written in `folder`; the restricted-import messages Biome reports, if any. */
function restrictedImports(folder: string, specifier: string): string[] {
  const file = repoPath(folder, `lint-probe-${process.pid}.ts`);
  writeFileSync(file, `import { probe } from '${specifier}';\n\nexport const probed = probe;\n`);
  try {
    const result = spawnSync(repoPath('node_modules', '.bin', 'biome'), ['lint', '--reporter=json', file], {
      cwd: repoPath(),
      encoding: 'utf8',
    });
    const report = JSON.parse(result.stdout) as { diagnostics: { category: string; message: string }[] };
    return report.diagnostics
      .filter((diagnostic) => diagnostic.category === 'lint/style/noRestrictedImports')
      .map((diagnostic) => diagnostic.message);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('the import layers Biome enforces', () => {
  it.each([
    ['infra', '#functions/ingest/create-ingest-handler'],
    ['infra', '#functions/token-issuer/jwks-parameter'],
    ['infra/constructs', '../../functions/ingest/handler.ts'],
    ['infra', '#local/gateway/gateway'],
    ['infra', '#cli/main'],
    ['infra/constructs', '@aws-sdk/client-ssm'],
    ['shared', '@aws-sdk/client-firehose'],
    ['shared', '#functions/delivery/firehose-delivery'],
    ['shared/config', '../../local/gateway/gateway.ts'],
    ['functions', '#local/gateway/gateway'],
    ['clients/typescript/src', '#shared/contract/contract'],
    ['clients/typescript/src', '../../../shared/contract/contract.ts'],
    ['clients/typescript/src', 'node:fs'],
  ])('refuses an import in %s/ of %s', (folder, specifier) => {
    expect(restrictedImports(folder, specifier)).toHaveLength(1);
  });

  it.each([
    ['infra/constructs', '#shared/contract/contract'],
    ['infra/constructs', 'aws-cdk-lib/aws-lambda'],
    ['infra', 'cdk-nag'],
    ['functions', '@aws-sdk/client-firehose'],
    ['local', '#functions/ingest/create-ingest-handler'],
    ['clients/typescript/src', './contract-constants.ts'],
  ])('allows an import in %s/ of %s', (folder, specifier) => {
    expect(restrictedImports(folder, specifier)).toEqual([]);
  });
});
