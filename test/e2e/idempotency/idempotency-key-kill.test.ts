/**
 * Idempotency-Key across a kill -9 of `sluice dev` (issue 22 §5): keyed batch posts at 20-way
 * concurrency, the server killed mid-load, restarted on the same data, every key retried, and
 * the landed records reconciled by id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { sluiceHome } from '#local/sluice-home';
import { type DevProcess, REPO_ROOT, startDevProcess } from '../support/dev-process.ts';
import { landedRecordsIn } from '../support/landed-records.ts';

const CONCURRENCY = 20;
const RECORDS_PER_POST = 5;
/** Acknowledged posts after which the server is killed: mid-load, with 20 posts in flight. */
const KILL_AFTER_ACKS = 120;
const DEV_ARGS = ['--no-schedules', '--s3-port', '0', '--flush-seconds', '1'];

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

/** The NDJSON body of a key: its records carry the key and their index, so that they can be reconciled. */
const bodyOf = (key: string) =>
  Array.from({ length: RECORDS_PER_POST }, (_, index) => JSON.stringify({ id: `${key}/${index}` })).join('\n');

interface Answer {
  readonly status: number;
  readonly replayed: boolean;
  readonly body: string;
}

async function postKeyed(url: string, token: string, key: string): Promise<Answer> {
  const response = await fetch(`${url}/stream/v0/data/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-ndjson',
      'idempotency-key': key,
    },
    body: bodyOf(key),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    body: await response.text(),
  };
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe('Idempotency-Key across a kill -9 of sluice dev', () => {
  it('lands every key once and answers journaled keys as completed after a restart', { timeout: 120_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'sluice-idem-kill-'));
    roots.push(root);
    const base = join(root, '.sluice');
    const home = sluiceHome('example', { SLUICE_HOME: base }, REPO_ROOT);
    let server: DevProcess = await startDevProcess(base, DEV_ARGS);
    const token = await signLocalToken(await loadOrCreateKeySet(home.keySetFile), {
      issuer: server.url,
      tenant: 'example',
      days: 1,
    });

    // Load until the kill: every key sent is remembered, with the 202 it got, if any.
    const sent: string[] = [];
    const acknowledged = new Map<string, string>();
    let killed = false;
    const firstServer = server;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        for (let n = 0; !killed; n += 1) {
          const key = `w${worker}-${n}`;
          sent.push(key);
          const answer = await postKeyed(firstServer.url, token, key).catch(() => undefined);
          if (answer?.status !== 202) continue;
          acknowledged.set(key, answer.body);
          if (acknowledged.size === KILL_AFTER_ACKS && !killed) {
            killed = true;
            firstServer.child.kill('SIGKILL');
          }
        }
      }),
    );
    await firstServer.exited;

    // Same port: the token's issuer is the first server's URL.
    server = await startDevProcess(base, [...DEV_ARGS, '--port', new URL(firstServer.url).port]);
    // One retry per key: after the restart no key may still be held (409) by the dead process.
    const retried = new Map<string, Answer>();
    await eachLimited(sent, CONCURRENCY, async (key) => {
      retried.set(key, await postKeyed(server.url, token, key));
    });
    server.child.kill('SIGTERM');
    await server.exited;

    const landed = await landedRecordsIn(home.s3, 'events');
    const counts = new Map<string, number>();
    for (const line of landed) {
      const id = (JSON.parse(line) as { id: string }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const expected = sent.flatMap((key) => Array.from({ length: RECORDS_PER_POST }, (_, index) => `${key}/${index}`));
    const duplicated = [...counts.entries()].filter(([, count]) => count > 1).map(([id]) => id);
    const lost = expected.filter((id) => !counts.has(id));

    const refused = [...retried.entries()].filter(([, answer]) => answer.status !== 202);
    expect({ refused, duplicated, lost }).toEqual({ refused: [], duplicated: [], lost: [] });
    // An acknowledged key replays its first answer, the same receipt included.
    for (const [key, body] of acknowledged) {
      expect({ key, replayed: retried.get(key)?.replayed, body: retried.get(key)?.body }).toEqual({
        key,
        replayed: true,
        body,
      });
    }
  });
});
