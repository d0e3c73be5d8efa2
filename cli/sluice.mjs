#!/usr/bin/env node
// The `sluice` bin: Node 20 cannot run TypeScript, so register tsx, then load the TS entry.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
