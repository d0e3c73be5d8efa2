import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
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
});
