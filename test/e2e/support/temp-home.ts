/** A fresh data home per test, so that tests never share keys, buffers or S3 data. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SluiceHome, sluiceHome } from '#local/sluice-home';

/** A data home in a new temporary folder, and how to remove it. */
export async function tempHome(): Promise<SluiceHome & { remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  const home = sluiceHome({ SLUICE_HOME: join(root, '.sluice') }, root);
  return { ...home, remove: () => rm(root, { recursive: true, force: true }) };
}
