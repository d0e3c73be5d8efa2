/**
 * `npm run docs` rewrites the generated sections of README.md and docs/contract.md from the
 * contract rows in shared/. An optional argument names another root (the tests use a copy).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DOCS, MissingMarkersError, withGeneratedSections } from '#shared/docs-tables/contract-tables';

const root = process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url));

for (const doc of GENERATED_DOCS) {
  const file = join(root, doc.path);
  const current = await readFile(file, 'utf8');
  let next: string;
  try {
    next = withGeneratedSections(current, doc.sections);
  } catch (error) {
    if (!(error instanceof MissingMarkersError)) throw error;
    process.stderr.write(`${doc.path}: ${error.message}; add the markers where the table belongs\n`);
    process.exitCode = 1;
    continue;
  }
  if (next === current) {
    process.stdout.write(`${doc.path} is up to date\n`);
  } else {
    await writeFile(file, next);
    process.stdout.write(`${doc.path} rewritten\n`);
  }
}
