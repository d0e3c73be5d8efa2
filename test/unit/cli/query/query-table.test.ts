import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { captureIo } from '../io-capture.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-query-table-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function table(sql: string): Promise<string> {
  const captured = captureIo({ env: { SLUICE_HOME: join(root, '.sluice') } });
  expect(await runCli(['query', sql], captured.io), captured.stderr()).toBe(0);
  return captured.stdout();
}

describe('sluice query --format table', () => {
  it('right-aligns numeric columns and left-aligns text, NULL included', async () => {
    const output = await table(
      `SELECT * FROM (VALUES ('a', 7, 1.5::DOUBLE, 12::DECIMAL(10,2)), ('longer', 1234, NULL, 3.25::DECIMAL(10,2))) t(name, n, ratio, price)`,
    );
    expect(output).toBe(
      [
        'name   |    n | ratio | price',
        '-------+------+-------+------',
        'a      |    7 |   1.5 | 12.00',
        'longer | 1234 |  NULL |  3.25',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });
});
