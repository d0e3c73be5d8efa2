import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SLUICE_BIN } from './support/dev-process.ts';
import { tempHome } from './support/temp-home.ts';

const run = promisify(execFile);

let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  home = await tempHome();
});

afterAll(async () => {
  await home.remove();
});

describe('a sluice command whose reader stops early', () => {
  it('ends quietly with exit 0 under `sluice openapi | head -c 50`', async () => {
    // The document (about 90 KB) outgrows a pipe's 64 KiB buffer, so the command is still
    // writing when head has read its 50 bytes and closed the pipe.
    const script = `"${process.execPath}" "${SLUICE_BIN}" openapi | head -c 50; echo; echo "exit=\${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await run('bash', ['-c', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_HOME: home.base },
    });
    expect(stdout).toContain('"openapi"');
    expect(stdout).toContain('exit=0');
    expect(stderr).not.toContain('EPIPE');
  });
});
