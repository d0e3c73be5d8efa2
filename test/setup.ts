import fc from 'fast-check';

// Keep test output readable: Powertools logs are structured JSON on stdout.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'false';
// The SDK prints a notice on Node 20; it says nothing about Sluice's behaviour.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Property tests: CI runs one fixed seed so that a green build stays green; local runs
// explore new inputs each time (fast-check prints the seed of any failure to replay it).
if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.SLUICE_PROPERTY_SEED ?? 20_261_124) });
