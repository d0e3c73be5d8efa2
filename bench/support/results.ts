/** Writing a benchmark's results to bench/results/<name>.json (committed: they are the last results). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.ts';

/** Folder of the results files. */
export const RESULTS_DIRECTORY = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes `results` with the machine and the time, and returns the file path. */
export function writeResults(name: string, command: string, results: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const file = `${RESULTS_DIRECTORY}${name}.json`;
  const document = { benchmark: name, command, at: new Date().toISOString(), machine: machineInfo(), ...results };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
