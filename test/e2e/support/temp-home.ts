/** A fresh data home per test, so that tests never share keys, buffers or S3 data. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SluiceHome, sluiceHome } from '#local/sluice-home';

/**
 * A tenant's data home in a new temporary folder, the `SLUICE_HOME` it sits in (`base`, what
 * the CLI is given), and how to remove both.
 */
export async function tempHome(tenant = 'example'): Promise<SluiceHome & { base: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  const base = join(root, '.sluice');
  const home = sluiceHome(tenant, { SLUICE_HOME: base }, root);
  return { ...home, base, remove: () => rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}
