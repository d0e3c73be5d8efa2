/** `sluice batches ls|cat|export <stream>`: what landed in the bucket, read through the S3 API. */

import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKET } from '#local/embedded/s3rver-layout';
import { readSegments } from '#local/firehose/buffer-journal';
import { readServerState } from '#local/server-state';
import { type SluiceHome, sluiceHome, tenantHome } from '#local/sluice-home';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { plural } from '../../shared/text/plural.ts';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { parseTimeWindow } from '../time-window.ts';
import { decodeBatchRecords, type LandedObject, listBatches, readBatchBody, streamPrefix } from './batch-reader.ts';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';
import { localBucket } from './local-bucket-objects.ts';

/** The declaration of `sluice batches`: its options drive the parser and the help. */
export const BATCHES_COMMAND = defineCommand({
  name: 'batches',
  synopsis: [
    'ls <stream> [options]',
    'cat <stream> [options]',
    'export <stream> --format parquet|ndjson --out <file> [options]',
  ],
  description: `ls lists the stream's landed objects (key, records, bytes); cat prints every landed record
as NDJSON (CBOR decoded), oldest first. export writes one file: ndjson holds the records as
cat prints them, parquet the stream's table as \`sluice query\` sees it. All read through the S3 API.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `whose local data to read, and whose streams to expect (default: ${DEFAULT_TENANT})`,
    },
    'dead-letter': { type: 'boolean', help: "the stream's dead-letter objects (dlq/) instead of its records" },
    bucket: {
      type: 'string',
      value: '<name>',
      help: 'bucket to read (default: the local one; with no --endpoint, real S3)',
    },
    endpoint: {
      type: 'string',
      value: '<url>',
      help: "S3 endpoint URL (default: the tenant's running `sluice dev`'s, or its .sluice/<tenant>/s3)",
    },
    format: { type: 'string', value: 'parquet|ndjson', help: 'export: parquet or ndjson' },
    out: { type: 'string', value: '<file>', help: 'export: the file to write' },
    since: {
      type: 'string',
      value: '<duration|date>',
      help: 'export: only hour partitions from then on: a duration back (90m, 6h, 7d) or a date',
    },
    until: { type: 'string', value: '<duration|date>', help: 'export: only hour partitions up to then' },
  },
});

/** Usage of `sluice batches`, from its declaration. */
export const BATCHES_USAGE = commandUsage(BATCHES_COMMAND);

/** A bucket to read and its client; `close` stops an embedded S3 started for the command. */
export interface LandingSource {
  readonly s3: S3Client;
  readonly bucket: string;
  close(): Promise<void>;
}

const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/;

/** The bucket a command reads: the named one, else the tenant's running `sluice dev`'s, else its data folder served for the command. */
export async function openLandingSource(
  values: { bucket?: string | undefined; endpoint?: string | undefined },
  home: SluiceHome,
): Promise<LandingSource> {
  // Loaded here: the AWS SDK costs `batches cat` of the local bucket, which needs none, half a second.
  const { createS3Client, startEmbeddedS3 } = await import('#local/embedded/embedded-s3');
  const done = async () => undefined;
  if (values.endpoint) {
    // A loopback endpoint is s3rver (its fixed credentials); anything else uses the default chain.
    const s3 = LOOPBACK.test(values.endpoint)
      ? createS3Client(values.endpoint)
      : createS3Client(values.endpoint, { credentials: 'default' });
    return { s3, bucket: values.bucket ?? LOCAL_BUCKET, close: done };
  }
  if (values.bucket) return { s3: createS3Client(), bucket: values.bucket, close: done };
  const running = await readServerState(home.serverStateFile);
  if (running) return { s3: createS3Client(running.s3Endpoint), bucket: running.bucket, close: done };
  // No server: serve the same data folder on a free port just for this command.
  const embedded = await startEmbeddedS3(home.s3, 0);
  return { s3: createS3Client(embedded.endpoint), bucket: embedded.bucket, close: () => embedded.close() };
}

/** What `batches ls` and `cat` read: a bucket through S3, or the local one in its data folder. */
interface BatchSource {
  readonly bucket: string;
  list(prefix: string): Promise<LandedObject[]>;
  read(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * The named bucket or the running dev server's through S3; else the tenant's local bucket read
 * in its data folder, with no embedded S3 started (it cost the command seconds).
 */
async function openBatchSource(
  values: { bucket?: string | undefined; endpoint?: string | undefined },
  home: SluiceHome,
): Promise<BatchSource> {
  if (!values.bucket && !values.endpoint && !(await readServerState(home.serverStateFile))) {
    return { bucket: LOCAL_BUCKET, ...localBucket(home.s3, LOCAL_BUCKET), close: async () => undefined };
  }
  const source = await openLandingSource(values, home);
  return {
    bucket: source.bucket,
    list: (prefix) => listBatches(source.s3, source.bucket, prefix),
    read: (key) => readBatchBody(source.s3, source.bucket, key),
    close: () => source.close(),
  };
}

/** Tells on stderr how many records of a stream are still buffered locally (they land at the next flush). */
export async function noteBuffered(streamId: string, deadLetter: boolean, home: SluiceHome, io: CliIo): Promise<void> {
  const channel = deadLetter ? 'dead-letter' : 'records';
  const buffered = (await readSegments(home.buffers))
    .filter((segment) => segment.streamId === streamId && segment.channel === channel)
    .reduce((sum, segment) => sum + segment.records.length, 0);
  if (buffered > 0) {
    io.stderr(
      `note: ${buffered} more ${deadLetter ? 'dead-letter ' : ''}record(s) of ${streamId} are buffered and land at the next flush ` +
        '(buffering.seconds; `npm start -- --flush-seconds 1` flushes sooner)\n',
    );
  }
}

/** The tenant's stream of that id; an unknown id throws UsageError carrying the usage text. */
export function tenantStream(tenant: TenantConfig, stream: string, usage: string): StreamConfig {
  const config = Object.hasOwn(tenant.streams, stream) ? tenant.streams[stream] : undefined;
  if (config) return config;
  throw new UsageError(
    `stream ${stream} does not exist in tenant ${tenant.tenant} (it has ${Object.keys(tenant.streams).join(', ')})`,
    usage,
  );
}

async function exportCommand(
  stream: string,
  values: {
    tenant?: string | undefined;
    bucket?: string | undefined;
    endpoint?: string | undefined;
    format?: string | undefined;
    out?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
  },
  io: CliIo,
): Promise<number> {
  const format = values.format as ExportFormat | undefined;
  if (!format || !EXPORT_FORMATS.includes(format)) {
    throw new UsageError(`export needs --format ${EXPORT_FORMATS.join(' or ')}`, BATCHES_USAGE);
  }
  if (!values.out) throw new UsageError('export needs --out <file>', BATCHES_USAGE);
  const window = parseTimeWindow(values, new Date(), BATCHES_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  tenantStream(tenant, stream, BATCHES_USAGE);
  const home = tenantHome(loaded, io.env, io.cwd);
  const out = resolve(io.cwd, values.out);
  // The local bucket is read in its data folder, as `batches cat` and `sluice query` do: no embedded S3 is started.
  const local = !values.bucket && !values.endpoint;
  const source = local ? undefined : await openLandingSource(values, home);
  try {
    // Loaded here: DuckDB costs every other `batches` command most of a second.
    const { exportBatches } = await import('./batch-export.ts');
    const landed = source
      ? async (scratch: string) => {
          const { downloadLanded } = await import('../query/landed-download.ts');
          const { s3, bucket } = source;
          return (await downloadLanded({ s3, bucket, streams: [stream], folder: scratch, window, deadLetters: false }))
            .files;
        }
      : async (scratch: string) => {
          const { localBucketFiles } = await import('../query/local-bucket-files.ts');
          return localBucketFiles({
            s3Directory: home.s3,
            bucket: LOCAL_BUCKET,
            streams: [stream],
            cacheFolder: scratch,
            window,
            deadLetters: false,
          });
        };
    const count = await exportBatches({ tenant, stream, format, out, window, landed });
    io.stderr(
      `${plural(count.records, 'record')} (from ${plural(count.batches, 'batch', 'batches')}) of ${stream} written to ${out} (${format})\n`,
    );
  } finally {
    await source?.close();
  }
  return 0;
}

/** Runs `sluice batches <ls|cat|export>`. */
export async function batchesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(BATCHES_COMMAND, args);
  if (values.help) {
    io.stdout(BATCHES_USAGE);
    return 0;
  }
  const [action, stream, ...rest] = positionals;
  if (action !== 'ls' && action !== 'cat' && action !== 'export') {
    throw new UsageError(action ? `unknown subcommand: ${action}` : 'missing: ls, cat or export', BATCHES_USAGE);
  }
  if (!stream) throw new UsageError('missing: <stream>', BATCHES_USAGE);
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`, BATCHES_USAGE);
  if (action === 'export') return exportCommand(stream, values, io);
  const deadLetter = values['dead-letter'] ?? false;
  const local = !values.bucket && !values.endpoint;
  // Another bucket may hold a tenant whose config is not here: its streams are checked only when named.
  const loaded = local || values.tenant ? await loadTenant(values.tenant, { cwd: io.cwd }) : undefined;
  if (loaded) tenantStream(loaded.config, stream, BATCHES_USAGE);
  const home = loaded ? tenantHome(loaded, io.env, io.cwd) : sluiceHome(DEFAULT_TENANT, io.env, io.cwd);
  const source = await openBatchSource(values, home);
  try {
    const prefix = streamPrefix(stream, deadLetter);
    let objects: LandedObject[];
    try {
      objects = await source.list(prefix);
    } catch (error) {
      throw new CliError(`cannot list s3://${source.bucket}/${prefix}: ${(error as Error).message}`);
    }
    for (const object of objects) {
      const records = await decodeBatchRecords(object.key, await source.read(object.key));
      if (action === 'ls') io.stdout(`${object.key}\t${records.length}\t${object.bytes}\n`);
      else io.stdout(records.map((record) => `${record}\n`).join(''));
    }
    if (objects.length === 0) io.stderr(`no ${deadLetter ? 'dead-letter ' : ''}batches of ${stream} yet\n`);
  } finally {
    await source.close();
  }
  if (local) await noteBuffered(stream, deadLetter, home, io);
  return 0;
}
