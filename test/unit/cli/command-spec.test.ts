import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedOptions, parseCommand } from '#cli/command-spec';
import { commandSpecs, runCli } from '#cli/main';
import { captureIo } from './io-capture.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-spec-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const io = () => captureIo({ env: { SLUICE_HOME: join(root, '.sluice') }, cwd: root });

/** The options a help text lists in its Options section, in order. */
function listedOptions(help: string): string[] {
  const section = help.split('\nOptions:\n')[1] ?? '';
  return [...section.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm)].map((match) => match[1] ?? '');
}

const specs = await commandSpecs();

describe.each(specs.map((spec) => [spec.name, spec] as const))('sluice %s', (name, spec) => {
  it('lists in --help exactly the options it accepts, and names no other', async () => {
    const captured = io();
    expect(await runCli([name, '--help'], captured.io)).toBe(0);
    const help = captured.stdout();
    expect(listedOptions(help)).toEqual(acceptedOptions(spec));
    const named = new Set([...help.matchAll(/--[a-z][a-z0-9-]*/g)].map((match) => match[0]));
    expect([...named].filter((option) => !acceptedOptions(spec).includes(option))).toEqual([]);
  });

  it('parses every option its --help lists', () => {
    for (const [option, { type }] of Object.entries(spec.options)) {
      const args = type === 'string' ? [`--${option}`, 'x'] : [`--${option}`];
      expect(parseCommand(spec, args).values).toHaveProperty(option);
    }
  });

  it('refuses an unknown option with exit 2, naming the options it takes', async () => {
    const captured = io();
    expect(await runCli([name, '--no-such-option'], captured.io)).toBe(2);
    const firstLine = captured.stderr().split('\n')[0];
    expect(firstLine).toBe(
      `sluice ${name}: unknown option --no-such-option; sluice ${name} takes ${acceptedOptions(spec).join(', ')}`,
    );
    expect(captured.stdout()).toBe('');
  });
});

describe('the sluice command', () => {
  it('prints its version with --version', async () => {
    const captured = io();
    expect(await runCli(['--version'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('lists secret ls in the top-level help', async () => {
    const captured = io();
    expect(await runCli(['--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^ {2}secret ls /m);
  });
});
