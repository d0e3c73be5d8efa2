/** Checks of option values that several commands share: numbers, ports, lists. */
import { UsageError } from './cli-io.ts';

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
