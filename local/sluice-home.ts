/** Where local mode keeps its data: `.sluice/` in the working directory, or `SLUICE_HOME`. */
import { join, resolve } from 'node:path';
import { ENV } from '#shared/environment';

/** The folders and files of one local data home. */
export interface SluiceHome {
  readonly root: string;
  readonly keys: string;
  readonly keySetFile: string;
  readonly s3: string;
  readonly buffers: string;
  readonly serverStateFile: string;
}

/** Resolves the data home from `SLUICE_HOME` or the working directory. */
export function sluiceHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SluiceHome {
  const root = resolve(cwd, env[ENV.home] || '.sluice');
  const keys = join(root, 'keys');
  return {
    root,
    keys,
    keySetFile: join(keys, 'signing-keys.json'),
    s3: join(root, 's3'),
    buffers: join(root, 'buffers'),
    serverStateFile: join(root, 'dev-server.json'),
  };
}
