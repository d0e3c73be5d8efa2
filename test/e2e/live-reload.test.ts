/**
 * `sluice dev` follows its tenant file: a test posts without pause while the file is
 * rewritten several times, then reconciles every 202 against the records that landed.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/paths';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { type DevProcess, startDevProcess } from './support/dev-process.ts';
import { landedRecordsIn } from './support/landed-records.ts';
import { tempHome } from './support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;
let file: string;

/** Writes the tenant file as an editor saves: a new file renamed over the old one. */
async function saveTenant(streams: string): Promise<void> {
  const text = `import * as v from 'valibot';
import { defineTenant } from '${REPO_ROOT}/shared/config/tenant-config.ts';
export default defineTenant({ tenant: 'live', auth: { issuer: 'self' }, streams: { ${streams} } });
`;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/** Resolves once the dev server's stdout holds `count` lines starting with "reloaded". */
function reloads(dev: DevProcess, count: number): Promise<void> {
  const seen = () => (dev.output().match(/^reloaded /gm) ?? []).length >= count;
  return new Promise((resolve) => {
    if (seen()) return resolve();
    const check = () => {
      if (!seen()) return;
      dev.child.stdout.off('data', check);
      resolve();
    };
    dev.child.stdout.on('data', check);
  });
}

beforeAll(async () => {
  home = await tempHome('live');
  file = join(home.base, '..', 'live.ts');
  // An ES module project, as a tenant folder outside this repository would be.
  await writeFile(join(home.base, '..', 'package.json'), '{ "type": "module" }\n');
  await saveTenant("a: { payload: 'json' }");
});

afterAll(async () => {
  await home.remove();
});

describe('sluice dev following its tenant file', () => {
  it('loses no 202 across reloads, routes added streams, refuses removed ones and keeps serving on a bad save', async () => {
    const dev = await startDevProcess(home.base, ['--tenant', file, '--no-schedules']);
    const token = await signLocalToken(await loadOrCreateKeySet(home.keySetFile), {
      issuer: dev.url,
      tenant: 'live',
      days: 1,
    });
    const accepted: Record<string, string[]> = { a: [], b: [] };
    const statuses = new Set<number>();
    let posting = true;
    let sequence = 0;
    const post = async (stream: string, body: unknown) =>
      fetch(`${dev.url}/stream/v0/data/${stream}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const poster = (async () => {
      while (posting) {
        sequence += 1;
        for (const stream of ['a', 'b']) {
          const id = `${stream}-${sequence}`;
          const response = await post(stream, { id, amount: 1 });
          await response.arrayBuffer();
          statuses.add(response.status);
          if (response.status === 202) accepted[stream]?.push(id);
        }
      }
    })();

    await saveTenant("a: { payload: 'json' }, b: { payload: 'json' }");
    await reloads(dev, 1);
    expect(dev.output()).toContain('stream b added');
    expect((await post('b', { id: 'probe-b' })).status).toBe(202);
    accepted.b?.push('probe-b');
    const document = (await (await fetch(`${dev.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/stream/v0/data/b');

    await saveTenant("a: { payload: 'json', schema: v.object({ id: v.string(), amount: v.number() }) }");
    await reloads(dev, 3);
    expect(dev.output()).toContain('stream a: schema changed');
    expect(dev.output()).toContain('stream b removed');
    expect((await post('b', { id: 'gone' })).status).toBe(404);
    expect((await post('a', { id: 'bad', amount: 'x' })).status).toBe(400);

    await writeFile(file, 'export default { broken: ');
    const errors: string[] = [];
    await new Promise<void>((resolve) => {
      dev.child.stderr.on('data', (chunk: Buffer) => {
        errors.push(chunk.toString());
        if (errors.join('').includes('not reloaded')) resolve();
      });
    });
    expect(errors.join('')).toContain('still serving the previous config');
    expect((await post('a', { id: 'still', amount: 2 })).status).toBe(202);
    accepted.a?.push('still');

    await saveTenant("a: { payload: 'json' }, b: { payload: 'json' }");
    await reloads(dev, 5);
    posting = false;
    await poster;
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);

    // Every 202 landed exactly once; nothing answered 5xx.
    expect([...statuses].filter((status) => status >= 500)).toEqual([]);
    for (const stream of ['a', 'b']) {
      const landed = (await landedRecordsIn(home.s3, stream)).map((line) => (JSON.parse(line) as { id: string }).id);
      expect(landed.sort()).toEqual([...(accepted[stream] ?? [])].sort());
    }
  });
});
