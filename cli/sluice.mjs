#!/usr/bin/env node
// The `sluice` bin: Node 20 cannot run TypeScript, so register tsx, then load the TS entry.
import { register } from 'tsx/esm/api';

// Node 20 is what local mode supports; the SDK's notice about future versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// A reader that stops early (`sluice openapi | head`) closes the pipe: that ends the command,
// as it would for any Unix tool, rather than crashing it with EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
