import { mkdir, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { shortDuration, statusTables } from '#cli/status/status-table';
import type { DevStatus } from '#local/observability/dev-status';
import { tempHome } from '../../../e2e/support/temp-home.ts';
import { captureIo } from '../io-capture.ts';

const homes: Awaited<ReturnType<typeof tempHome>>[] = [];

afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => home.remove()));
});

describe('sluice status', () => {
  it('says that no dev server runs for the tenant, how to start one, and exits 1', async () => {
    const home = await tempHome();
    homes.push(home);
    const captured = captureIo({ env: { SLUICE_HOME: home.base } });
    expect(await runCli(['status'], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/^sluice status: no dev server runs for tenant example .*npx sluice dev`/);
    expect(captured.stdout()).toBe('');
  });

  it('names the tenant as it was given when it says how to start its server', async () => {
    const home = await tempHome('puller');
    homes.push(home);
    const captured = captureIo({ env: { SLUICE_HOME: home.base } });
    const tenantFile = 'test/unit/cli/fixtures/pull-tenant.ts';
    expect(await runCli(['status', '--tenant', tenantFile], captured.io)).toBe(1);
    expect(captured.stderr()).toContain(`no dev server runs for tenant puller `);
    expect(captured.stderr()).toContain(`\`npx sluice dev --tenant ${tenantFile}\``);
  });

  it('ignores a state file left by a server that is gone', async () => {
    const home = await tempHome();
    homes.push(home);
    await mkdir(home.root, { recursive: true });
    // No process has pid 2^31 - 2: the server that wrote this is not running.
    const state = { pid: 2 ** 31 - 2, url: 'http://127.0.0.1:9', issuer: 'x', tenant: 'example', s3Endpoint: 'x' };
    await writeFile(home.serverStateFile, JSON.stringify({ ...state, bucket: 'b', pullKey: 'k' }));
    const captured = captureIo({ env: { SLUICE_HOME: home.base } });
    expect(await runCli(['status'], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/no dev server runs for tenant example/);
  });

  it('prints the usage and exits 2 on an unknown option or an argument', async () => {
    for (const args of [
      ['status', '--stream', 'orders'],
      ['status', 'orders'],
    ]) {
      const captured = captureIo();
      expect(await runCli(args, captured.io)).toBe(2);
      expect(captured.stderr()).toMatch(/^sluice status: .*\n\nUsage: sluice status \[options\]/);
    }
  });

  it('prints its usage with --help and exits 0; the top-level usage lists it', async () => {
    const captured = captureIo();
    expect(await runCli(['status', '--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^Usage: sluice status /);
    const top = captureIo();
    await runCli(['--help'], top.io);
    expect(top.stdout()).toMatch(/^ {2}status {2,}/m);
  });
});

describe('the status tables', () => {
  it('write durations in the largest unit that keeps them short, at each unit boundary', () => {
    expect(shortDuration(0)).toBe('0 s');
    expect(shortDuration(59.9)).toBe('59 s');
    expect(shortDuration(60)).toBe('1 min');
    expect(shortDuration(3_599)).toBe('59 min');
    expect(shortDuration(3_600)).toBe('1 h');
    expect(shortDuration(86_399)).toBe('23 h');
    expect(shortDuration(86_400)).toBe('1 d');
    expect(shortDuration(-5)).toBe('0 s');
  });

  it('says "1 record", not "1 records", for a last object of one record', () => {
    const status: DevStatus = {
      tenant: 'example',
      now: '2026-01-01T12:00:00.000Z',
      streams: [
        {
          stream: 'orders',
          accepted: 1,
          rejected: 0,
          deadLettered: 0,
          buffered: 0,
          oldestBufferedSeconds: undefined,
          lastObject: { key: 'streams/orders/a.ndjson', records: 1, bytes: 90, at: '2026-01-01T11:58:00.000Z' },
        },
      ],
      sources: [],
    };
    expect(statusTables(status, 'http://127.0.0.1:4000')).toContain('streams/orders/a.ndjson (1 record)');
  });

  it('show ages and waits against the server clock, and a dash where nothing happened yet', () => {
    const status: DevStatus = {
      tenant: 'example',
      now: '2026-01-01T12:00:00.000Z',
      streams: [
        {
          stream: 'orders',
          accepted: 12,
          rejected: 3,
          deadLettered: 3,
          buffered: 2,
          oldestBufferedSeconds: 7.5,
          lastObject: { key: 'streams/orders/a.ndjson', records: 10, bytes: 900, at: '2026-01-01T11:58:00.000Z' },
        },
        {
          stream: 'events',
          accepted: 0,
          rejected: 0,
          deadLettered: 0,
          buffered: 0,
          oldestBufferedSeconds: undefined,
          lastObject: undefined,
        },
      ],
      sources: [
        {
          source: 'sample',
          lastRun: { run: 'r1', status: 'failed', records: 40, endedAt: '2026-01-01T11:59:30.000Z' },
          running: false,
          nextRun: '2026-01-01T12:00:45.000Z',
        },
        { source: 'nightly', lastRun: undefined, running: false, nextRun: undefined },
      ],
    };
    const lines = statusTables(status, 'http://127.0.0.1:4000').split('\n');
    expect(lines[0]).toBe('Sluice dev server for tenant "example" at http://127.0.0.1:4000 (counts since it started)');
    expect(lines[2]).toMatch(/^stream +accepted +rejected +dead-lettered +buffered +oldest buffered/);
    expect(lines[3]?.split(/ {2,}/)).toEqual([
      'orders',
      '12',
      '3',
      '3',
      '2',
      '7 s',
      '2 min ago',
      'streams/orders/a.ndjson (10 records)',
    ]);
    expect(lines[4]?.split(/ {2,}/)).toEqual(['events', '0', '0', '0', '0', '-', '-', '-']);
    expect(lines[6]).toMatch(/^source +last run +outcome +records +next run$/);
    expect(lines[7]?.split(/ {2,}/)).toEqual([
      'sample',
      '30 s ago',
      'failed',
      '40',
      'in 45 s (2026-01-01T12:00:45.000Z)',
    ]);
    expect(lines[8]?.split(/ {2,}/)).toEqual(['nightly', 'never', '-', '-', 'not scheduled']);
  });
});
