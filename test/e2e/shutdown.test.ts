import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { startDevProcess } from './support/dev-process.ts';
import { landedRecordsIn } from './support/landed-records.ts';
import { tempHome } from './support/temp-home.ts';

let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  home = await tempHome();
});

afterEach(async () => {
  await home.remove();
});

async function postEvents(url: string, count: number): Promise<string[]> {
  const token = await signLocalToken(await loadOrCreateKeySet(home.keySetFile), {
    issuer: url,
    tenant: 'example',
    days: 1,
  });
  const ids = Array.from({ length: count }, (_, index) => `evt-${index}`);
  for (const id of ids) {
    const response = await fetch(`${url}/stream/v0/data/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    expect(response.status).toBe(202);
  }
  return ids;
}

const ids = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { id: string }).id);

describe('stopping local mode', () => {
  it('flushes every buffered record to S3 on SIGTERM, then exits 0', async () => {
    // buffering.seconds is 60: nothing would flush on its own during the test.
    const dev = await startDevProcess(home.base, ['--no-schedules']);
    const sent = await postEvents(dev.url, 20);
    expect(await landedRecordsIn(home.s3, 'events')).toEqual([]);
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toContain('flushed');
    expect(ids(await landedRecordsIn(home.s3, 'events'))).toEqual(sent);
    expect(await readdir(home.buffers)).toEqual([]);
  });

  it('delivers acknowledged records at the next start after a crash (SIGKILL)', async () => {
    const crashed = await startDevProcess(home.base, ['--no-schedules']);
    const sent = await postEvents(crashed.url, 5);
    crashed.child.kill('SIGKILL');
    expect(await crashed.exited).toBe('SIGKILL');
    expect((await readdir(home.buffers)).length).toBeGreaterThan(0);
    const restarted = await startDevProcess(home.base, ['--no-schedules']);
    expect(restarted.output()).toContain('delivered 5 records journaled by an earlier run');
    restarted.child.kill('SIGINT');
    expect(await restarted.exited).toBe(0);
    expect(ids(await landedRecordsIn(home.s3, 'events'))).toEqual(sent);
  });
});
