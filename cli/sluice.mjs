#!/usr/bin/env node
// The `sluice` bin: Node 20 cannot run TypeScript, so register tsx, then load the TS entry.
import { register } from 'tsx/esm/api';

// Node 20 is what local mode supports; the SDK's notice about future versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
