// Keep test output readable: Powertools logs are structured JSON on stdout.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'false';
