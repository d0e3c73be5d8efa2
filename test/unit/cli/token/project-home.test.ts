import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { REPO_ROOT } from '#infra/paths';
import { captureIo } from '../io-capture.ts';

let project: string;
let elsewhere: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'sluice-project-'));
  elsewhere = await mkdtemp(join(tmpdir(), 'sluice-elsewhere-'));
  await mkdir(join(project, 'tenants'));
  await writeFile(join(project, 'package.json'), '{ "private": true }\n');
  const defineTenant = pathToFileURL(join(REPO_ROOT, 'shared/config/tenant-config.ts')).href;
  await writeFile(
    join(project, 'tenants/shop.ts'),
    `import { defineTenant } from '${defineTenant}';
export default defineTenant({ tenant: 'shop', auth: { issuer: 'self' }, streams: { carts: { payload: 'json' } } });
`,
  );
});

afterEach(async () => {
  await rm(project, { recursive: true, force: true });
  await rm(elsewhere, { recursive: true, force: true });
});

// No SLUICE_HOME: the data home is found, not configured.
async function tokenFrom(cwd: string, tenantPath: string): Promise<string> {
  const captured = captureIo({ env: { SLUICE_HOME: undefined }, cwd });
  expect(await runCli(['token', 'create', '--tenant', tenantPath], captured.io)).toBe(0);
  return captured.stdout().trim();
}

describe('sluice token create run outside the project', () => {
  it("signs with the project's .sluice/ keys and makes no .sluice/ in the working directory", async () => {
    const fromProject = await tokenFrom(project, 'tenants/shop.ts');
    const fromElsewhere = await tokenFrom(elsewhere, relative(elsewhere, join(project, 'tenants/shop.ts')));

    expect(existsSync(join(elsewhere, '.sluice'))).toBe(false);
    const keySet = JSON.parse(await readFile(join(project, '.sluice/shop/keys/signing-keys.json'), 'utf8')) as {
      keys: { kid: string }[];
    };
    const kids = keySet.keys.map((key) => key.kid);
    expect(kids).toContain(decodeProtectedHeader(fromElsewhere).kid);
    expect(decodeProtectedHeader(fromElsewhere).kid).toBe(decodeProtectedHeader(fromProject).kid);
  });

  it('finds the project from a sub-folder of it too', async () => {
    await mkdir(join(project, 'src/deep'), { recursive: true });
    await tokenFrom(join(project, 'src/deep'), '../../tenants/shop.ts');
    expect(existsSync(join(project, 'src/deep/.sluice'))).toBe(false);
    expect(existsSync(join(project, '.sluice/shop/keys/signing-keys.json'))).toBe(true);
  });
});
