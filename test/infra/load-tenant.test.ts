import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTenant, TenantSourceError, tenantFile } from '#infra/load-tenant';
import { REPO_ROOT } from '#infra/paths';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('resolving -c tenant', () => {
  it('reads a name as tenants/<name>.ts', () => {
    expect(tenantFile('example')).toBe(`${REPO_ROOT}/tenants/example.ts`);
  });

  it('reads anything with a slash or a .ts ending as a path', () => {
    expect(tenantFile('./x/y.ts', '/work')).toBe('/work/x/y.ts');
    expect(tenantFile('/abs/t.ts')).toBe('/abs/t.ts');
  });

  it('loads the example tenant by name', async () => {
    const { config, file } = await loadTenant('example');
    expect(config.tenant).toBe('example');
    expect(file).toBe(`${REPO_ROOT}/tenants/example.ts`);
  });

  it('fails with the file it looked for when the tenant does not exist', async () => {
    await expect(loadTenant('nobody', REPO_ROOT)).rejects.toThrow(/tenant config not found: tenants\/nobody\.ts/);
  });

  it('fails naming the bad field when the config does not validate', async () => {
    const failure = loadTenant(fixture('invalid-tenant.ts'));
    await expect(failure).rejects.toBeInstanceOf(TenantSourceError);
    await expect(loadTenant(fixture('invalid-tenant.ts'))).rejects.toThrow(/throttle\.rate: .*at least 1/);
  });

  it('fails when the module does not default-export defineTenant(...)', async () => {
    await expect(loadTenant(fixture('raw-export.ts'))).rejects.toThrow(/must default-export defineTenant/);
  });

  it('refuses a name that is not a tenant name', async () => {
    await expect(loadTenant('Bad Name')).rejects.toThrow(/not a tenant name/);
  });
});
