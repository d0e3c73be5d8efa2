import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SLUICE_BIN } from './support/dev-process.ts';
import { tempHome } from './support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  home = await tempHome();
});

afterAll(async () => {
  await home.remove();
});

describe('a sluice command whose reader stops early', () => {
  it('ends quietly with exit 0, as `sluice openapi | head -c 50` does', async () => {
    const child = spawn(process.execPath, [SLUICE_BIN, 'openapi'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_HOME: home.base },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Like `head`: read the first chunk, then close our end of the pipe.
    const first = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk))),
    );
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(first).toContain('"openapi"');
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
