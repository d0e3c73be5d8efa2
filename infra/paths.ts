/** Where the repository is on disk: bundling entries and tenant configs are found from here. */
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (the folder with package.json). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** Absolute path of a file in the repository. */
export function repoPath(...segments: string[]): string {
  return [REPO_ROOT, ...segments].join('/');
}
