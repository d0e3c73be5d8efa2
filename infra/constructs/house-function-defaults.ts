/** Pure defaults of every Sluice function: runtime, architecture, limits, log retention and bundling. */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { repoPath } from '../paths.ts';

/** Runtime and architecture: Node.js 24 on Graviton (cheaper per ms than x86). */
export const HOUSE_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** Graviton. */
export const HOUSE_ARCHITECTURE = lambda.Architecture.ARM_64;
/**
 * Memory when a function does not say. Measured (docs/capacity.md): the ingest function holds
 * ~60 MB and spends well under a millisecond of CPU on a 1 KiB post, so its duration is the
 * Firehose round trip; 256 MB halves 512's GB-seconds for at most ~1-2 ms more per post.
 */
export const HOUSE_MEMORY_MB = 256;
/** Timeout when a function does not say. */
export const HOUSE_TIMEOUT = Duration.seconds(10);
/** How long function logs are kept. */
export const HOUSE_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * The SDK's default credential chain, and what the bundle uses in its place: the two links
 * that can apply in Lambda (functions/lambda-runtime/lambda-credentials.ts).
 */
export const LAMBDA_CREDENTIALS_ALIAS = {
  module: '@aws-sdk/credential-provider-node',
  replacement: repoPath('functions', 'lambda-runtime', 'lambda-credentials.ts'),
} as const;

/**
 * Bundling with the local esbuild (never Docker): ESM for Node 24, minified, with source
 * maps that Node applies to stack traces. The AWS SDK is bundled too, so the version the
 * tests ran against is the version that runs (the runtime's copy can lag or lead), with the
 * Lambda credential chain in place of the SDK's default one.
 */
export const HOUSE_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // esbuild's CLI prints each bundle's size and time at its default level; `cdk synth -q` then is not quiet.
  logLevel: LogLevel.WARNING,
  externalModules: [],
  esbuildArgs: { [`--alias:${LAMBDA_CREDENTIALS_ALIAS.module}`]: LAMBDA_CREDENTIALS_ALIAS.replacement },
  // Some CommonJS dependencies call require(); ESM bundles have none unless we make one.
  banner:
    "import { createRequire as sluiceCreateRequire } from 'node:module'; const require = sluiceCreateRequire(import.meta.url);",
};

/** HOUSE_BUNDLING with more esbuild module aliases (module → absolute path), e.g. a tenant bound at bundle time. */
export function bundlingWithAliases(aliases: Readonly<Record<string, string>>): BundlingOptions {
  const args = Object.fromEntries(Object.entries(aliases).map(([module, path]) => [`--alias:${module}`, path]));
  return { ...HOUSE_BUNDLING, esbuildArgs: { ...HOUSE_BUNDLING.esbuildArgs, ...args } };
}
