/**
 * One-off: peak RSS of the `sluice dev` process while it runs a pull of a hostile source: a
 * 200 MB page (`page`) or a 1 GiB gzip bomb (`bomb`), streamed by a loopback server in this
 * process, as bench/pull-memory.ts measures the runner alone. Run:
 * `npx tsx bench/pull-dev-memory.ts page|bomb`. The dev server is the bin (`node cli/sluice.mjs dev`)
 * with its own data home; `sluice pull hostile` goes through it; the figure is the dev process's
 * VmHWM (peak resident set, Linux /proc) after the run, beside its VmHWM once started.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';

const MB = 1024 * 1024;
const kind = process.argv[2] ?? 'page';
const root = fileURLToPath(new URL('../', import.meta.url));
const bin = join(root, 'cli/sluice.mjs');
const tenant = 'bench/fixtures/hostile-pull-tenant.ts';

const chunk = Buffer.alloc(MB, kind === 'page' ? 0x20 : 0);
const server = createServer((_req, res) => {
  const target = kind === 'page' ? res : createGzip({ level: 9 });
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(kind === 'page' ? {} : { 'content-encoding': 'gzip' }),
  });
  if (target !== res) target.pipe(res);
  if (kind === 'page') res.write('[');
  let left = kind === 'page' ? 200 : 1024;
  const more = () => {
    while (left > 0) {
      left -= 1;
      if (!target.write(chunk)) return target.once('drain', more);
    }
    target.end(kind === 'page' ? ']' : undefined);
  };
  res.on('close', () => {
    left = 0;
  });
  more();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;

const home = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
const env = { ...process.env, SLUICE_HOME: home, SLUICE_BENCH_HOSTILE_URL: url, PORT: '' };
const dev = spawn(process.execPath, [bin, 'dev', '--tenant', tenant, '--port', '0', '--no-schedules'], {
  cwd: root,
  env,
});
let out = '';
await new Promise<void>((resolve, reject) => {
  dev.stdout.on('data', (data: Buffer) => {
    out += data.toString();
    if (out.includes('Try it:')) resolve();
  });
  dev.on('exit', (code) => reject(new Error(`sluice dev exited ${code}: ${out}`)));
});

const peakKb = async () => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${dev.pid}/status`, 'utf8'))?.[1]);
const startedMb = Math.round((await peakKb()) / 1024);
const pull = await promisify(execFile)(process.execPath, [bin, 'pull', 'hostile', '--tenant', tenant], {
  cwd: root,
  env,
}).catch((error: { stdout: string; code: number }) => error);
const afterMb = Math.round((await peakKb()) / 1024);
dev.kill('SIGTERM');
await new Promise((resolve) => dev.once('exit', resolve));
server.closeAllConnections();
server.close();
await rm(home, { recursive: true, force: true });
console.log(
  JSON.stringify({
    case: kind,
    pull: pull.stdout.trim().split('\n').at(-1),
    devPeakRssAtStartMB: startedMb,
    devPeakRssAfterPullMB: afterMb,
  }),
);
