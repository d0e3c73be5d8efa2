import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  endedChildrenCpuMicroseconds,
  mainThreadCpuMicroseconds,
  processTreeCpuMicroseconds,
} from '../../../bench/support/process-cpu.ts';

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

  it("counts a process's main thread apart from its worker threads", async () => {
    // A worker thread burns 400 ms of CPU time while the main thread waits.
    const worker = `new (require('node:worker_threads').Worker)(${JSON.stringify(CHILD)}, { eval: true, stdout: false }); setInterval(() => {}, 1000);`;
    const server = spawn(process.execPath, ['-e', worker], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('burnt')) resolve();
        });
        server.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const pid = server.pid ?? 0;
      expect(processTreeCpuMicroseconds(pid)).toBeGreaterThanOrEqual(350_000);
      expect(mainThreadCpuMicroseconds(pid)).toBeLessThan(300_000);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it("counts the CPU of a child that ended and was waited for, as a load generator's", () => {
    const before = endedChildrenCpuMicroseconds();
    const burn = spawnSync(process.execPath, ['-e', CHILD.replace('setInterval(() => {}, 1000);', '')]);
    expect(burn.status).toBe(0);
    expect(endedChildrenCpuMicroseconds() - before).toBeGreaterThanOrEqual(350_000);
  });
});
