/**
 * `sluice query "<SQL>"`: DuckDB in-process over the tenant's landed batches, with one view
 * per stream named like its Athena table, and `dead_letters` (docs/analysts.md). Local mode's
 * batches are read where the embedded S3 keeps them, without starting it
 * (cli/query/local-bucket-files.ts); with `--stack` the deployed landing bucket is read into a
 * cache under the tenant's data folder, kept for the next call, which fetches only new objects
 * (cli/query/landed-download.ts).
 */
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { openQueryEngine, QueryError, type QueryResult } from '#cli/query/query-engine';
import { LOCAL_BUCKET } from '#local/embedded/embedded-s3';
import { tenantSource, tenantSourceNames } from '#local/pull/tenant-sources';
import { type SluiceHome, tenantHome } from '#local/sluice-home';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';

import { parseTimeWindow, type TimeWindow } from '../time-window.ts';
import { checkStackName, readStackOutputs } from '../token/stack-token.ts';
import { downloadLanded } from './landed-download.ts';
import type { LandedFile } from './landed-files.ts';
import { localBucketFiles } from './local-bucket-files.ts';
import { formatResult, QUERY_FORMATS, type QueryFormat } from './query-output.ts';

/** The declaration of `sluice query`: its options drive the parser and the help. */
export const QUERY_COMMAND = defineCommand({
  name: 'query',
  synopsis: ['"<SQL>" [options]', '"<SQL>" --stack <stack name> --since <duration|date> [options]'],
  description: `Runs SQL (DuckDB) over the tenant's landed batches: one view per stream, named like its
Athena table, with the same columns and the partition column landed_hour
('year=2026/month=03/day=04/hour=05'), plus dead_letters. Athena's json_extract_scalar works too (docs/analysts.md).`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `whose streams and local data (default: ${DEFAULT_TENANT})`,
    },
    format: {
      type: 'string',
      value: 'table|json|ndjson|csv',
      help: 'table (default), json, ndjson or csv; 64-bit integers print exactly',
    },
    since: {
      type: 'string',
      value: '<duration|date>',
      help: 'only hour partitions from then on: a duration back (90m, 6h, 7d) or a date',
    },
    until: { type: 'string', value: '<duration|date>', help: 'only hour partitions up to then (default: now)' },
    stack: {
      type: 'string',
      value: '<stack name>',
      help: "read the deployed stack's landing bucket (default AWS credentials) into a cache\nunder the tenant's data folder, kept for the next call; needs --since",
    },
  },
  notes: `A statement DuckDB refuses prints one line and exits 2; a stream with no batches is an
empty table.`,
});

/** Usage of `sluice query`, from its declaration. */
export const QUERY_USAGE = commandUsage(QUERY_COMMAND);

/** The AWS clients of `--stack` (made once per run, faked in tests). */
export interface QueryClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
}

/** Clients for the default region and credentials. */
export function defaultQueryClients(): QueryClients {
  return { cloudFormation: new CloudFormationClient({}), s3: new S3Client({}) };
}

/** Streams a pull source lands in. */
export function pulledStreams(tenant: TenantConfig): Set<string> {
  return new Set(tenantSourceNames(tenant).map((name) => tenantSource(tenant, name).stream.id));
}

function cacheRoot(home: SluiceHome): string {
  return join(home.root, 'query-cache');
}

// The local cache's folder: a stack name starts with a letter, so it never clashes with one.
const LOCAL_CACHE = '_local';

// Local mode's bucket is read where the embedded S3 keeps it: no server is started or asked.
async function landedLocally(
  tenant: TenantConfig,
  window: TimeWindow,
  home: SluiceHome,
): Promise<readonly LandedFile[]> {
  try {
    return await localBucketFiles({
      s3Directory: home.s3,
      bucket: LOCAL_BUCKET,
      streams: Object.keys(tenant.streams),
      cacheFolder: join(cacheRoot(home), LOCAL_CACHE),
      window,
    });
  } catch (error) {
    throw new CliError(`cannot read the local bucket: ${(error as Error).message}`);
  }
}

async function landedFromStack(
  tenant: TenantConfig,
  stackName: string,
  window: TimeWindow,
  clients: QueryClients,
  io: CliIo,
  home: SluiceHome,
): Promise<readonly LandedFile[]> {
  let bucket: string | undefined;
  try {
    bucket = (await readStackOutputs(clients.cloudFormation, stackName)).get(STACK_OUTPUTS.bucket);
  } catch (error) {
    throw new CliError(`cannot read the outputs of stack ${stackName}: ${(error as Error).message}`);
  }
  if (!bucket) throw new CliError(`stack ${stackName} has no ${STACK_OUTPUTS.bucket} output; is it a Sluice stack?`);
  const folder = join(cacheRoot(home), stackName);
  try {
    const { fetched, cached, files } = await downloadLanded({
      s3: clients.s3,
      bucket,
      streams: Object.keys(tenant.streams),
      folder,
      window,
    });
    io.stderr(`${fetched} batch(es) fetched from s3://${bucket}, ${cached} from the cache (${folder})\n`);
    return files;
  } catch (error) {
    throw new CliError(`cannot read s3://${bucket}: ${(error as Error).message}`);
  }
}

/** Runs `sluice query`. */
export async function queryCommand(
  args: readonly string[],
  io: CliIo,
  clients: () => QueryClients = defaultQueryClients,
): Promise<number> {
  const { values, positionals } = parseCommand(QUERY_COMMAND, args);
  if (values.help) {
    io.stdout(QUERY_USAGE);
    return 0;
  }
  const [sql, ...rest] = positionals;
  if (!sql?.trim()) throw new UsageError('missing: "<SQL>"', QUERY_USAGE);
  if (rest.length > 0)
    throw new UsageError(`unexpected argument: ${rest[0]} (quote the SQL as one argument)`, QUERY_USAGE);
  const format = (values.format ?? 'table') as QueryFormat;
  if (!QUERY_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(', ')}`, QUERY_USAGE);
  }
  const window = parseTimeWindow(values, new Date(), QUERY_USAGE);
  if (values.stack !== undefined) {
    checkStackName(values.stack, QUERY_USAGE);
    if (!window.since) throw new UsageError('--stack needs --since (how far back to fetch)', QUERY_USAGE);
  }
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  const home = tenantHome(loaded, io.env, io.cwd);
  const files =
    values.stack === undefined
      ? await landedLocally(tenant, window, home)
      : await landedFromStack(tenant, values.stack, { until: new Date(), ...window }, clients(), io, home);
  const engine = await openQueryEngine(tenant, files, pulledStreams(tenant));
  let result: QueryResult;
  try {
    result = await engine.query(sql);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    io.stderr(`sluice query: ${error.message}\n`);
    return 2;
  } finally {
    engine.close();
  }
  io.stdout(formatResult(result, format));
  return 0;
}
