import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { REPO_ROOT } from '#infra/paths';
import { captureIo } from './io-capture.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const io = () => captureIo({ env: { SLUICE_HOME: join(root, '.sluice') }, cwd: root });

describe('the sluice command', () => {
  it('answers a command named like an Object.prototype member as an unknown command, exit 2', async () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const captured = io();
      expect(await runCli([name], captured.io)).toBe(2);
      expect(captured.stderr()).toContain(`unknown command "${name}"`);
    }
  });

  it('refuses token create --streams constructor like any unknown stream, exit 2', async () => {
    const captured = io();
    expect(await runCli(['token', 'create', '--streams', 'orders,constructor'], captured.io)).toBe(2);
    expect(captured.stderr()).toContain('tenant example has no stream constructor');
    expect(captured.stdout()).toBe('');
  });

  it('loads --tenant with the shared loader and fails naming the file and the field, exit 1', async () => {
    await mkdir(join(root, 'configs'));
    const defineTenant = pathToFileURL(join(REPO_ROOT, 'shared/config/tenant-config.ts')).href;
    await writeFile(
      join(root, 'configs/invalid.ts'),
      `import { defineTenant } from '${defineTenant}';
export default defineTenant({ tenant: 'invalid', auth: { issuer: 'self' }, streams: { clicks: { payload: 'csv' } } });
`,
    );
    const captured = io();
    expect(await runCli(['token', 'create', '--tenant', 'configs/invalid.ts'], captured.io)).toBe(1);
    expect(captured.stderr()).toBe(
      'sluice token: configs/invalid.ts: tenant config "invalid" is invalid:\n  - streams.clicks.payload: payload must be "json" or "xml"\n',
    );
    expect(captured.stdout()).toBe('');
  });

  it('answers a --stack command without AWS configuration in one line naming AWS_REGION, exit 1', async () => {
    const saved = { ...process.env };
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    process.env.AWS_CONFIG_FILE = join(root, 'no-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(root, 'no-credentials');
    try {
      const captured = io();
      expect(await runCli(['token', 'create', '--stack', 'Sluice-example'], captured.io)).toBe(1);
      expect(captured.stderr()).toBe(
        'sluice token: no AWS Region is configured: set AWS_REGION (or a profile with a region in AWS_PROFILE)\n',
      );
    } finally {
      process.env = saved;
    }
  });
});
