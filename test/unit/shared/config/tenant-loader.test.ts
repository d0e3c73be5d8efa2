import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/paths';
import { DEFAULT_TENANT, loadTenant, TenantSourceError, tenantFile } from '#shared/config/tenant-loader';

// Every tenant file of these tests lives in a temp folder with its own tenants/, so what the
// repository's tenants/ holds besides example.ts changes nothing here.
let root: string;
let tenantsDirectory: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-tenants-'));
  tenantsDirectory = join(root, 'tenants');
  await mkdir(tenantsDirectory);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const lookup = () => ({ cwd: root, tenantsDirectory });

// A temp file cannot use the #shared/* subpath imports (they resolve from the repository's package.json).
const DEFINE_TENANT = pathToFileURL(join(REPO_ROOT, 'shared/config/tenant-config.ts')).href;

async function writeTenant(relativePath: string, source: string): Promise<string> {
  const file = join(root, relativePath);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, source);
  return file;
}

function defined(tenant: string, config = `streams: { clicks: { payload: 'json' } }`): string {
  return `import { defineTenant } from '${DEFINE_TENANT}';
export default defineTenant({ tenant: '${tenant}', auth: { issuer: 'self' }, ${config} });
`;
}

describe('resolving a tenant reference', () => {
  it('reads a name as tenants/<name>.ts', () => {
    expect(tenantFile('example')).toBe(`${REPO_ROOT}/tenants/example.ts`);
    expect(tenantFile('acme', lookup())).toBe(join(tenantsDirectory, 'acme.ts'));
  });

  it('reads anything with a slash, a backslash or a module ending as a path relative to the working directory', () => {
    expect(tenantFile('./x/y.ts', { cwd: '/work' })).toBe('/work/x/y.ts');
    expect(tenantFile('configs/acme', { cwd: '/work' })).toBe('/work/configs/acme');
    expect(tenantFile('acme.ts', { cwd: '/work' })).toBe('/work/acme.ts');
    expect(tenantFile('acme.mts', { cwd: '/work' })).toBe('/work/acme.mts');
    expect(tenantFile('acme.js', { cwd: '/work' })).toBe('/work/acme.js');
    expect(tenantFile('/abs/t.ts', { cwd: '/work' })).toBe('/abs/t.ts');
    expect(tenantFile('configs\\acme', { cwd: '/work' })).toBe('/work/configs\\acme');
  });

  it('refuses a name that is not a tenant name', () => {
    for (const reference of ['Bad Name', 'Acme', '1acme', 'a'.repeat(33)]) {
      expect(() => tenantFile(reference)).toThrow(/is not a tenant name/);
    }
    expect(tenantFile('a'.repeat(32), lookup())).toBe(join(tenantsDirectory, `${'a'.repeat(32)}.ts`));
  });
});

describe('loading a tenant', () => {
  it('loads the example tenant by default, with the file it came from', async () => {
    expect(DEFAULT_TENANT).toBe('example');
    const { config, file } = await loadTenant();
    expect(config.tenant).toBe('example');
    expect(file).toBe(`${REPO_ROOT}/tenants/example.ts`);
  });

  it('loads a tenant by name from the tenants folder, with its own streams', async () => {
    const written = await writeTenant('tenants/acme.ts', defined('acme', `streams: { audits: { payload: 'xml' } }`));
    const { config, file } = await loadTenant('acme', lookup());
    expect(file).toBe(written);
    expect(Object.keys(config.streams)).toEqual(['audits']);
    expect(config.streams.audits).toMatchObject({ id: 'audits', payload: 'xml', compression: 'none' });
  });

  it('loads a tenant by a path relative to the working directory, whatever the file is called', async () => {
    const written = await writeTenant('configs/staging.ts', defined('acme'));
    const { config, file } = await loadTenant('./configs/staging.ts', lookup());
    expect(config.tenant).toBe('acme');
    expect(file).toBe(written);
  });

  it('fails naming the file it looked for when the tenant does not exist', async () => {
    const failure = loadTenant('nobody', lookup());
    await expect(failure).rejects.toThrow('tenant config not found: tenants/nobody.ts (from tenant "nobody")');
    await expect(failure).rejects.toMatchObject({ name: 'TenantSourceError', problem: 'not-found' });
  });

  it('fails naming the file and the bad field when the config does not validate', async () => {
    await writeTenant('tenants/invalid.ts', defined('invalid', `throttle: { rate: 0, burst: 10 }, streams: {}`));
    const failure = loadTenant('invalid', lookup());
    await expect(failure).rejects.toBeInstanceOf(TenantSourceError);
    await expect(failure).rejects.toThrow(/^tenants\/invalid\.ts: tenant config "invalid" is invalid:/);
    await expect(failure).rejects.toThrow(/throttle\.rate: .*at least 1/);
    await expect(failure).rejects.toThrow(/streams: streams needs at least one stream/);
  });

  it('fails naming the file when the module cannot be imported', async () => {
    await writeTenant('tenants/broken.ts', `import { nothing } from './missing.ts';\nexport default nothing;\n`);
    await expect(loadTenant('broken', lookup())).rejects.toMatchObject({
      problem: 'import-failed',
      message: expect.stringMatching(/^tenants\/broken\.ts: /),
    });
  });

  it('fails when the module default-exports a plain object instead of defineTenant(...)', async () => {
    await writeTenant('tenants/raw.ts', `export default { tenant: 'raw', auth: { issuer: 'self' }, streams: {} };\n`);
    await expect(loadTenant('raw', lookup())).rejects.toThrow(
      'tenants/raw.ts must default-export defineTenant({...}) from #shared/config/tenant-config',
    );
  });

  it('fails when the module has no default export', async () => {
    await writeTenant('tenants/bare.ts', `export const tenant = 'bare';\n`);
    await expect(loadTenant('bare', lookup())).rejects.toMatchObject({ problem: 'not-defined' });
  });

  it('fails when a name finds a file that declares another tenant, and takes that file by path', async () => {
    await writeTenant('tenants/acme.ts', defined('other'));
    await expect(loadTenant('acme', lookup())).rejects.toThrow(
      'tenants/acme.ts declares tenant "other"; the file name and the tenant must match (tenants/other.ts)',
    );
    expect((await loadTenant('tenants/acme.ts', lookup())).config.tenant).toBe('other');
  });

  it('names a file outside the working directory by its absolute path', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'sluice-cwd-'));
    try {
      await expect(loadTenant('nobody', { cwd: elsewhere, tenantsDirectory })).rejects.toThrow(
        `tenant config not found: ${join(tenantsDirectory, 'nobody.ts')}`,
      );
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
