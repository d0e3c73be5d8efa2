/** What a command may touch of the outside world, so that tests can run commands in-process. */

/** Streams, environment and working directory of one CLI run. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Bytes written to stdout and not yet taken by its reader (0 where unknown). */
  readonly stdoutBacklogBytes?: () => number;
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdoutBacklogBytes: () => process.stdout.writableLength,
  };
}

/** A wrong argument: the message and the command's usage go to stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A failure the user can act on (no server, no token, …): the message goes to stderr, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
