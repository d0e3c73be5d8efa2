/** `sluice send` on the client: counts, rejected records, and a spool that resumes and never resends. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { captureIo } from '../../unit/cli/io-capture.ts';
import { startTestServer, type TestServer } from '../support/local-server.ts';

let local: TestServer;
beforeAll(async () => {
  local = await startTestServer();
});
afterAll(async () => {
  await local.remove();
});

const send = async (...args: string[]) => {
  const captured = captureIo({ env: { SLUICE_HOME: local.home.base } });
  const code = await runCli(['send', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
};

describe('sluice send', () => {
  it('sends an NDJSON file as one batch, and run again with its spool sends nothing twice', async () => {
    const file = join(local.home.root, 'three.ndjson');
    await writeFile(file, '{"id":"s-1"}\n\n{"id":"s-2"}\r\n{"id":"s-3"}');
    const spool = join(local.home.root, 'spool');
    expect(await send('events', file, '--spool', spool)).toMatchObject({
      code: 0,
      stdout: 'events: 3 accepted, 0 rejected, 0 not delivered (1 requests, 0 retries)\n',
    });
    expect(await send('events', file, '--spool', spool)).toMatchObject({
      code: 0,
      stdout: 'events: 0 accepted, 0 rejected, 0 not delivered (0 requests, 0 retries)\n',
    });
  });

  it('refuses a spool that belongs to another file, naming it', async () => {
    const first = join(local.home.root, 'first.ndjson');
    const second = join(local.home.root, 'second.ndjson');
    await writeFile(first, '{"id":"f-1"}\n');
    await writeFile(second, '{"id":"f-2"}\n');
    const spool = join(local.home.root, 'spool-owned');
    expect((await send('events', first, '--spool', spool)).code).toBe(0);
    const refused = await send('events', second, '--spool', spool);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`belongs to sending ${first} to events`);
  });

  it('prints each rejected record with its problem, exits 1, and sends the others', async () => {
    const file = join(local.home.root, 'orders.ndjson');
    const order = { order_id: 'o-1', customer_id: 'c', amount: 1, currency: 'EUR', placed_at: '2025-01-01T00:00:00Z' };
    await writeFile(file, `${JSON.stringify(order)}\n{"order_id":""}\n`);
    const result = await send('orders', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('orders: 1 accepted, 1 rejected, 0 not delivered (2 requests, 0 retries)\n');
    expect(result.stderr).toMatch(/^rejected \(400\): \{"order_id":""\}\n {2}\{.*schema-violation/m);
  });

  it('needs a file for --spool, since stdin cannot be resumed', async () => {
    const result = await send('events', '-', '--spool', join(local.home.root, 'spool-stdin'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--spool resumes a file');
  });
});

describe('sluice send with a JSON file that is not NDJSON', () => {
  it('sends a pretty-printed object as one record, and an array as its records', async () => {
    const pretty = join(local.home.root, 'record.json');
    await writeFile(pretty, '{\n  "id": "pretty-1",\n  "n": 1.50\n}\n');
    expect(await send('orders', pretty)).toMatchObject({ code: 1, stdout: expect.stringContaining('1 rejected') });
    expect(await send('events', pretty)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^events: 1 accepted/),
    });
    const array = join(local.home.root, 'array.json');
    await writeFile(array, '[{"id":"a-1"},\n {"id":"a-2"}]');
    expect(await send('events', array)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^events: 2 accepted/),
    });
  });
});
