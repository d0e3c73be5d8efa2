/** `sluice dev` as a child process (the bin, as `npm start` runs it), for signal and crash tests. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The `sluice` bin. */
export const SLUICE_BIN = fileURLToPath(new URL('../../../cli/sluice.mjs', import.meta.url));

/** A running `sluice dev` child. */
export interface DevProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts `sluice dev --port 0` with its own data home and waits for its banner. */
export function startDevProcess(home: string, args: readonly string[] = []): Promise<DevProcess> {
  const child = spawn(process.execPath, [SLUICE_BIN, 'dev', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_HOME: home, PORT: '' },
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /^ {2}URL\s+(\S+)/m.exec(stdout)?.[1];
      if (url && stdout.includes('Try it:')) {
        resolve({ child, url, output: () => stdout, exited });
      }
    });
    exited.then((code) => reject(new Error(`sluice dev exited (${code}) before it was ready:\n${stdout}\n${stderr}`)));
  });
}
