/**
 * @sluice/client as a user installs it: the compiled package in a project's node_modules,
 * loaded by plain `node` (which strips no types there) and type-checked by `tsc` against its
 * declarations, sending to `sluice dev` over real HTTP.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '#infra/paths';
import { type DevServer, startDevServer } from '#local/dev-server';
import { defineTenant } from '#shared/config/tenant-config';
import { buildClientPackage } from '../../../clients/typescript/build-package.mjs';
import { tempHome } from '../support/temp-home.ts';

const run = promisify(execFile);
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: { events: { payload: 'json', batch: true } },
});

let home: Awaited<ReturnType<typeof tempHome>>;
let server: DevServer;
let project: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startDevServer({ tenant, home, port: 0, schedules: false });
  project = await mkdtemp(join(tmpdir(), 'sluice-client-user-'));
  const installed = join(project, 'node_modules', '@sluice', 'client');
  await mkdir(installed, { recursive: true });
  await copyFile(repoPath('clients', 'typescript', 'package.json'), join(installed, 'package.json'));
  await buildClientPackage(join(installed, 'dist'));
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
}, 60_000);
afterAll(async () => {
  await server?.close();
  await home?.remove();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the installed @sluice/client package', () => {
  it('runs under plain node: the client and the spool send records that land once', async () => {
    const token = await server.createToken();
    const script = `
      import { SluiceClient } from '@sluice/client';
      import { FileSpool } from '@sluice/client/spool';
      const client = new SluiceClient({
        url: process.env.SLUICE_URL, token: process.env.SLUICE_TOKEN, streams: { events: { batch: true } },
        spool: new FileSpool(process.env.SPOOL_DIR),
      });
      await client.sendMany('events', [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const result = await client.close();
      process.stdout.write(JSON.stringify(result));
    `;
    await writeFile(join(project, 'send.mjs'), script);
    const { stdout } = await run(process.execPath, ['send.mjs'], {
      cwd: project,
      env: { PATH: process.env.PATH, SLUICE_URL: server.url, SLUICE_TOKEN: token, SPOOL_DIR: join(project, 'spool') },
    });
    expect(JSON.parse(stdout)).toMatchObject({ accepted: 3, rejected: 0, failed: 0 });
  });

  it('type-checks a user program against its declarations, and refuses a wrong one', () => {
    let previous: ts.Program | undefined;
    const check = (source: string) => {
      const file = join(project, 'program.ts');
      const host = ts.createCompilerHost({});
      const read = host.readFile.bind(host);
      host.readFile = (name) => (name === file ? source : read(name));
      const exists = host.fileExists.bind(host);
      host.fileExists = (name) => name === file || exists(name);
      const program = ts.createProgram(
        [file],
        {
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          target: ts.ScriptTarget.ES2022,
          lib: ['lib.es2022.d.ts'],
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [repoPath('node_modules', '@types')],
        },
        host,
        // The second program reuses the first one's library and package files.
        previous,
      );
      previous = program;
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    const program = (options: string) => `
      import { SluiceClient } from '@sluice/client';
      import { FileSpool } from '@sluice/client/spool';
      const client = new SluiceClient({ ${options}, streams: { events: { batch: true } }, spool: new FileSpool('spool') });
      export const sent: Promise<void> = client.send('events', { n: 1 });
    `;
    expect(check(program("url: 'http://localhost:4000', token: 't'"))).toEqual([]);
    expect(check(program("url: 4000, token: 't'")).join('\n')).toMatch(/number.*not assignable to.*string/);
  });
});
