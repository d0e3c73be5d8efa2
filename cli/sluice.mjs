#!/usr/bin/env node
// The `sluice` bin. It runs the command compiled ahead of time into dist/cli/ (`npm install`
// builds it; cli/compile/compile-cli.mjs): Node 20 cannot run TypeScript, and compiling the
// sources at every start cost seconds. Without the compiled command it registers tsx and
// runs the TypeScript sources, as before.
import { readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';

// Node 20 is what local mode supports; the SDK's notice about future versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// A reader that stops early (`sluice openapi | head`) closes the pipe: that ends the command,
// as it would for any Unix tool, rather than crashing it with EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const compiled = new URL('../dist/cli/main.mjs', import.meta.url);

/**
 * Whether dist/cli/ was compiled after every source it holds last changed. A few ms of stat
 * calls: an edited source then runs as edited (from the sources) until `npm run build`.
 */
function compiledIsFresh() {
  try {
    const inputs = new URL('../dist/cli/inputs.json', import.meta.url);
    const builtAt = statSync(inputs).mtimeMs;
    const root = new URL('../', import.meta.url);
    return Object.keys(JSON.parse(readFileSync(inputs, 'utf8'))).every(
      (path) => statSync(new URL(path, root)).mtimeMs <= builtAt,
    );
  } catch {
    return false;
  }
}

// The top-level usage and version (main.ts answers them before any command) load no tenant file.
const [first] = process.argv.slice(2);
const loadsNoTenant = [undefined, '--help', '-h', 'help', '--version', '-v'].includes(first);

let main;
if (process.env.SLUICE_FROM_SOURCES !== '1' && compiledIsFresh()) {
  // Tenant files are TypeScript: these hooks strip their types when a command imports one.
  // Their worker thread costs a start, so `sluice --help` goes without them.
  if (!loadsNoTenant) register('./compile/ts-hooks.mjs', import.meta.url);
  main = await import(compiled.href);
} else {
  (await import('tsx/esm/api')).register();
  main = await import('./main.ts');
}
process.exitCode = await main.runCli(process.argv.slice(2));
