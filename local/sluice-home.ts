/**
 * Where local mode keeps a tenant's data: `.sluice/<tenant>/` in the working directory, or
 * `$SLUICE_HOME/<tenant>/`. Each tenant has its own keys, bucket, journals and server state,
 * so that two tenants never read or sign with each other's.
 */
import { join, resolve } from 'node:path';
import { ENV } from '#shared/contract/environment';

/** The folders and files of one tenant's local data home. */
export interface SluiceHome {
  readonly root: string;
  readonly keys: string;
  readonly keySetFile: string;
  readonly s3: string;
  readonly buffers: string;
  readonly serverStateFile: string;
}

/** Resolves a tenant's data home under `SLUICE_HOME` or `.sluice/` in the working directory. */
export function sluiceHome(tenant: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SluiceHome {
  // Tenant names are validated lower-case letters, digits and "-": a safe folder name.
  const root = join(resolve(cwd, env[ENV.home] || '.sluice'), tenant);
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
