/** node:util parseArgs with the CLI's conventions: strict, `--help` on every command, usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments; a wrong one throws UsageError carrying the usage text. */
export function parseOptions<T extends Options>(args: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}

/** A positive number option, or the default. */
export function positiveNumber(value: string | undefined, name: string, fallback: number, usage: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${name} must be a positive number`, usage);
  return number;
}

/** A number option that may be 0, or undefined when absent. */
export function nonNegativeNumber(value: string | undefined, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value === '' || !Number.isFinite(number) || number < 0) throw new UsageError(`${name} must be 0 or more`, usage);
  return number;
}

/** A port option: 0 to 65535, or the default. */
export function portNumber(value: string | undefined, name: string, fallback: number, usage: string): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) {
    throw new UsageError(`${name} must be a port number from 0 to 65535`, usage);
  }
  return number;
}

/** A comma-separated list option. */
export function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
