import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSpool, SpoolLockedError } from '#clients/typescript/src/file-spool';
import { SluiceClient } from '#clients/typescript/src/index';
import type { Spool } from '#clients/typescript/src/spool-port';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-spool-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const record = (stream: string, seq: number) => ({ stream, seq, text: `{"n":${seq}}` });

describe('the file spool', () => {
  it('gives a new spool the records not yet cut and the batches not yet answered, with their keys', async () => {
    const first = new FileSpool(directory);
    await first.open();
    await first.append(
      [0, 1, 2, 3].map((seq) => record('events', seq)),
      'offset-4',
    );
    await first.cut({ key: 'k-answered', stream: 'events', from: 0, to: 0 });
    await first.cut({ key: 'k-open', stream: 'events', from: 1, to: 2 });
    await first.ack('k-answered');
    await first.close();
    const state = await new FileSpool(directory).open();
    expect(state.batches).toEqual([
      { key: 'k-open', stream: 'events', from: 1, to: 2, records: ['{"n":1}', '{"n":2}'] },
    ]);
    expect(state.records).toEqual([record('events', 3)]);
    expect(state.nextSeq).toEqual({ events: 4 });
    expect(state.cursor).toBe('offset-4');
  });

  it('drops a half-written last line, which was never acknowledged, and reads the rest', async () => {
    const first = new FileSpool(directory);
    await first.open();
    await first.append([record('events', 0)]);
    await first.close();
    await appendFile(join(directory, 'spool.log'), '["r","events",1,"{\\"n\\"');
    const state = await new FileSpool(directory).open();
    expect(state.records).toEqual([record('events', 0)]);
  });

  it('keeps only what is unanswered when it rewrites its log, and the sequence numbers going on', async () => {
    const first = new FileSpool(directory);
    await first.open();
    await first.append([0, 1].map((seq) => record('events', seq)));
    await first.cut({ key: 'k', stream: 'events', from: 0, to: 1 });
    await first.ack('k');
    await first.close();
    const state = await new FileSpool(directory).open();
    expect(state).toMatchObject({ records: [], batches: [], nextSeq: { events: 2 } });
    expect(await readFile(join(directory, 'spool.log'), 'utf8')).not.toContain('{\\"n\\":0}');
  });

  it('refuses a spool that a live process holds', async () => {
    await writeFile(join(directory, 'spool.lock'), String(process.ppid));
    await expect(new FileSpool(directory).open()).rejects.toBeInstanceOf(SpoolLockedError);
  });

  it('takes over the spool of a killed process its parent has not reaped yet (a zombie)', async () => {
    // `sleep 0` exits at once; its parent became `sleep 5`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await expect.poll(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('Z');
      await writeFile(join(directory, 'spool.lock'), String(zombie));
      const spool = new FileSpool(directory);
      await expect(spool.open()).resolves.toMatchObject({ records: [] });
      await spool.close();
    } finally {
      parent.kill();
    }
  });

  it('fails send when the spool cannot write (a full disk), claiming nothing durable', async () => {
    const full: Spool = {
      open: async () => ({ records: [], batches: [], nextSeq: {}, cursor: undefined }),
      append: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
      cut: async () => {},
      ack: async () => {},
      close: async () => {},
    };
    let requests = 0;
    const client = new SluiceClient({
      url: 'http://127.0.0.1:9',
      token: 't',
      spool: full,
      fetch: async () => {
        requests += 1;
        return new Response('{}', { status: 202 });
      },
    });
    await expect(client.send('events', { a: 1 })).rejects.toThrow('ENOSPC');
    expect(await client.close()).toMatchObject({ accepted: 0, requests: 0 });
    expect(requests).toBe(0);
  });
});
