#!/usr/bin/env node
// The `sluice` bin. It runs the command compiled ahead of time into dist/cli/ (`npm install`
// builds it; cli/compile/compile-cli.mjs): Node 20 cannot run TypeScript, and compiling the
// sources at every start cost seconds. Without the compiled command it registers tsx and
// runs the TypeScript sources, as before.
import { existsSync } from 'node:fs';
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
let main;
if (existsSync(compiled) && process.env.SLUICE_FROM_SOURCES !== '1') {
  // Tenant files are TypeScript: these hooks strip their types when a command imports one.
  register('./compile/ts-hooks.mjs', import.meta.url);
  main = await import(compiled.href);
} else {
  (await import('tsx/esm/api')).register();
  main = await import('./main.ts');
}
process.exitCode = await main.runCli(process.argv.slice(2));
