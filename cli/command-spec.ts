/**
 * A command is declared once as a table of its options; the same table drives `node:util`
 * parseArgs and writes the command's `--help`, so what `--help` lists and what the parser
 * accepts cannot drift apart.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cli-io.ts';

/** One option of a command: its kind, the placeholder of its value, and its help line(s). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Placeholder of a string option's value in the help (`<name or path>`). */
  readonly value?: string;
  /** What the option does; `\n` starts a continuation line. */
  readonly help: string;
}

/** A command's declaration: synopsis lines, description, option table and closing notes. */
export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The word after `sluice`. */
  readonly name: string;
  /** Each usage form after `sluice <name> `, such as `ls <stream> [options]`. */
  readonly synopsis: readonly string[];
  readonly description: string;
  readonly options: O;
  /** Text printed after the option list. */
  readonly notes?: string;
}

/** Parsed option values: strings for string options, booleans for flags, `help` always. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
} & { readonly help?: boolean };

const HELP: OptionSpec = { type: 'boolean', help: 'print this help' };

/** Declares a command (an identity function that keeps the option names as literal types). */
export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** The option names a command accepts, `--help` included, as they are typed. */
export function acceptedOptions(spec: CommandSpec): string[] {
  return [...Object.keys(spec.options), 'help'].map((name) => `--${name}`);
}

/** The command's `--help` text, generated from its declaration. */
export function commandUsage(spec: CommandSpec): string {
  const forms = spec.synopsis.map((form, index) => `${index === 0 ? 'Usage:' : '      '} sluice ${spec.name} ${form}`);
  const entries = Object.entries({ ...spec.options, help: HELP }).map(([name, option]) => ({
    flag: `${name === 'help' ? '-h, ' : ''}--${name}${option.value ? ` ${option.value}` : ''}`,
    lines: option.help.split('\n'),
  }));
  const width = Math.max(...entries.map((entry) => entry.flag.length)) + 2;
  const options = entries.flatMap(({ flag, lines }) =>
    lines.map((line, index) => `  ${(index === 0 ? flag : '').padEnd(width)}${line}`),
  );
  const notes = spec.notes ? `\n${spec.notes.trimEnd()}\n` : '';
  return `${forms.join('\n')}\n\n${spec.description.trimEnd()}\n\nOptions:\n${options.join('\n')}\n${notes}`;
}

/** Parses a command's arguments by its table; a wrong one throws UsageError carrying the usage. */
export function parseCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  args: readonly string[],
): { values: OptionValues<O>; positionals: string[]; usage: string } {
  const usage = commandUsage(spec);
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]),
  );
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals, usage };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']*)'/.exec((error as Error).message)?.[1] ?? 'given';
      throw new UsageError(
        `unknown option ${option}; sluice ${spec.name} takes ${acceptedOptions(spec).join(', ')}`,
        usage,
      );
    }
    throw new UsageError((error as Error).message, usage);
  }
}
