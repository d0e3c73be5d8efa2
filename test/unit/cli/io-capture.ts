/** A CliIo that records what a command prints, for in-process CLI tests. */
import { Readable } from 'node:stream';
import type { CliIo } from '#cli/cli-io';

/** The io, and what went to stdout and stderr. */
export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/** Captures output; `env` adds to the environment, `stdin` is what the command reads. */
export function captureIo(options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? process.cwd(),
      stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    },
    stdout: () => out,
    stderr: () => err,
  };
}
