/**
 * The command line of a build script that npm install and npm run build run: it takes no
 * arguments. `--help` says what it does (exit 0); anything else is refused (exit 2) instead of
 * ignored. npm hands `npm run build -- <argument>` to the last script of the chain only.
 */
export function refuseArguments(script, what) {
  const [argument] = process.argv.slice(2);
  if (argument === '--help' || argument === '-h') {
    process.stdout.write(
      `usage: node ${script}\n${what} (npm install and npm run build run it); it takes no arguments\n`,
    );
    process.exit(0);
  }
  if (argument !== undefined) {
    process.stderr.write(`unknown argument ${argument}; node ${script} takes none (--help says what it does)\n`);
    process.exit(2);
  }
}
