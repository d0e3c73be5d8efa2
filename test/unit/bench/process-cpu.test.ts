import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processTreeCpuMicroseconds } from '../../../bench/support/process-cpu.ts';

// A parent that only waits, over a child that burns 400 ms of CPU time (not wall time, so a
// busy machine cannot make it burn less) and then idles.
const CHILD = `let n = 0; while (process.cpuUsage().user < 400000) n++; console.log('burnt'); setInterval(() => {}, 1000);`;
const PARENT = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(CHILD)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;

describe('the CPU time of a server process tree', () => {
  it('counts the CPU its child processes burn, not only its own', async () => {
    const parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    try {
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('burnt')) resolve();
        });
        parent.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const used = processTreeCpuMicroseconds(parent.pid ?? 0);
      expect(used).toBeGreaterThanOrEqual(350_000);
      expect(used).toBeLessThan(5_000_000);
    } finally {
      // The group holds the parent and its child: both started by this test.
      process.kill(-(parent.pid ?? 0), 'SIGKILL');
    }
  });

  it('reads nothing for a process that does not exist', () => {
    expect(processTreeCpuMicroseconds(2 ** 22 + 1)).toBe(0);
  });
});
