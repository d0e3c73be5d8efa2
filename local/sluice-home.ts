/**
 * Where local mode keeps a tenant's data: `.sluice/<tenant>/` in the tenant file's project,
 * or `$SLUICE_HOME/<tenant>/`. Each tenant has its own keys, bucket, journals and server state,
 * so that two tenants never read or sign with each other's.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/** The local data folder's name, in a project or named by `SLUICE_HOME`. */
const DATA_FOLDER = '.sluice';

/**
 * The project a tenant file belongs to: the nearest folder at or above the file's own that
 * holds a package.json or a `.sluice/`, else the file's folder. State found this way is the
 * same from any working directory, so a command run elsewhere signs with the keys the running
 * server verifies, instead of making new ones where it happens to run.
 */
export function projectDirectory(tenantFile: string): string {
  const start = dirname(resolve(tenantFile));
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json')) || existsSync(join(folder, DATA_FOLDER))) return folder;
    if (dirname(folder) === folder) return start;
  }
}

/**
 * Resolves a tenant's data home: under `SLUICE_HOME` (relative to `cwd`) when it is set, else
 * under `.sluice/` in `project` (the tenant file's {@link projectDirectory}; `cwd` when not given).
 */
export function sluiceHome(
  tenant: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  project = cwd,
): SluiceHome {
  const configured = env[ENV.home];
  // Tenant names are validated lower-case letters, digits and "-": a safe folder name.
  const root = join(configured ? resolve(cwd, configured) : join(project, DATA_FOLDER), tenant);
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

/** A loaded tenant's data home, found from its file's project (see {@link projectDirectory}). */
export function tenantHome(
  tenant: { readonly config: { readonly tenant: string }; readonly file: string },
  env: NodeJS.ProcessEnv,
  cwd: string,
): SluiceHome {
  return sluiceHome(tenant.config.tenant, env, cwd, projectDirectory(tenant.file));
}
