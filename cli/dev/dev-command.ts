/** `sluice dev`: local mode in the foreground until SIGINT or SIGTERM, which flush every buffer. */

import { relative } from 'node:path';
import { type DevServer, startDevServer } from '#local/dev-server';
import { listLocalSecrets, secretEnvName } from '#local/pull/local-secrets';
import { SAMPLE_API_ORIGIN } from '#local/pull/sample-api-route';
import { tenantSource, tenantSourceNames } from '#local/pull/tenant-sources';
import { loadFreshTenant, TenantReloadError } from '#local/reload/fresh-tenant';
import { type TenantWatcher, watchTenantFiles } from '#local/reload/tenant-watcher';
import { tenantHome } from '#local/sluice-home';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { DOCS_PATH, ingestPath, OPENAPI_PATH } from '#shared/contract/contract';
import { plural } from '../../shared/text/plural.ts';
import { type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { nonNegativeNumber, portNumber } from '../parse-options.ts';
import { boundedLineWriter } from './bounded-line-writer.ts';
import { curlLine, sampleRequest } from './sample-request.ts';

/** The declaration of `sluice dev`: its options drive the parser and the help. */
export const DEV_COMMAND = defineCommand({
  name: 'dev',
  synopsis: ['[options]'],
  description: `Runs Sluice on this machine: gateway, ingest handler, Firehose-like buffering and an
embedded S3, the tenant's pull sources on their schedules (state in an embedded DynamoDB)
and a sample API to pull from, with the tenant's data under .sluice/<tenant>/ in the
tenant file's project, whatever the working directory (SLUICE_HOME moves .sluice/).`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})`,
    },
    port: {
      type: 'string',
      value: '<n>',
      help: 'gateway port on 127.0.0.1 (default: $PORT or 4000; 0 picks a free one)',
    },
    's3-port': {
      type: 'string',
      value: '<n>',
      help: 'embedded S3 port (default: 4569, or a free one when --port is 0)',
    },
    'flush-seconds': {
      type: 'string',
      value: '<n>',
      help: "flush every buffer after this many seconds (overrides the streams' buffering.seconds)",
    },
    'no-schedules': {
      type: 'boolean',
      help: 'run no source on its schedule (`sluice pull <source>` still runs one now)',
    },
  },
});

/** Usage of `sluice dev`, from its declaration. */
export const DEV_USAGE = commandUsage(DEV_COMMAND);

function describeStream(tenant: TenantConfig, id: string): string {
  const stream = tenant.streams[id];
  if (!stream) return id;
  const traits = [
    stream.payload,
    stream.schema ? 'schema' : '',
    stream.deadLetter ? 'dead-letter' : '',
    stream.auth ? `webhook ${stream.auth.preset ?? 'hmac'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${id.padEnd(12)} ${`(${traits})`.padEnd(28)} POST ${ingestPath(id)}`;
}

/** The sources and their schedules; with --no-schedules, that they run only through `sluice pull`. */
function sourceLines(server: DevServer, scheduled: boolean): string[] {
  const names = tenantSourceNames(server.tenant);
  const sources = names.map((name) => {
    const { source } = tenantSource(server.tenant, name);
    const when = scheduled ? source.schedule : `not scheduled (npx sluice pull ${name})`;
    return `${name.padEnd(12)} ${when.padEnd(28)} → ${source.stream}`;
  });
  return [
    ...(sources.length > 0 ? [`  sources  ${sources.join('\n           ')}`] : []),
    `  sample API  ${server.sampleApiUrl}  (a stand-in third-party API; sources reach it as ${SAMPLE_API_ORIGIN})`,
  ];
}

/**
 * A line per webhook stream whose secret is neither stored nor in the environment: until it is
 * set, the stream refuses every post, so the banner says so and how to set it.
 */
async function missingWebhookSecrets(
  tenant: TenantConfig,
  dataRoot: string,
  env: NodeJS.ProcessEnv,
  tenantOption: string,
): Promise<string[]> {
  const stored = await listLocalSecrets({ root: dataRoot });
  return Object.values(tenant.streams).flatMap((stream) => {
    const name = stream.auth?.secret;
    if (!name || stored.includes(name) || env[secretEnvName(name)]) return [];
    return [
      `  webhook  ${stream.id}: secret "${name}" is not set, so its posts are refused; set it with`,
      `           printf %s "$SECRET" | npx sluice secret set ${name}${tenantOption}   (or ${secretEnvName(name)} in the environment)`,
    ];
  });
}

/** The start banner: URL, streams, S3, a day-long token and a curl line that works when pasted. */
export async function devBanner(
  server: DevServer,
  dataRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  scheduled = true,
): Promise<string> {
  // The CLI's other commands read the example tenant's data unless told another.
  const tenantOption = server.tenant.tenant === DEFAULT_TENANT ? '' : ` --tenant ${server.tenant.tenant}`;
  const { tenant } = server;
  const token = await server.createToken({ days: 1 });
  const sample = sampleRequest(tenant);
  const streams = Object.keys(tenant.streams).map((id) => describeStream(tenant, id));
  const lines = [
    `Sluice local mode for tenant "${tenant.tenant}"`,
    `  URL      ${server.url}`,
    `  docs     ${server.url}${DOCS_PATH}  (API reference; OpenAPI document at ${OPENAPI_PATH})`,
    `  streams  ${streams.join('\n           ')}`,
    ...(await missingWebhookSecrets(tenant, dataRoot, env, tenantOption)),
    `  S3       ${server.s3.endpoint}  bucket ${server.s3.bucket}  (data in ${dataRoot})`,
    ...sourceLines(server, scheduled),
    `  token    ${token}`,
    '           (valid for 1 day; `npx sluice token create --help` for more)',
    '',
  ];
  if (sample) {
    lines.push(
      'Try it:',
      `  ${curlLine(`${server.url}${ingestPath(sample.stream.id)}`, token, sample)}`,
      `  npx sluice batches cat ${sample.stream.id}${tenantOption}`,
      ...tenantSourceNames(tenant)
        .slice(0, 1)
        .map(
          (name) => `  npx sluice pull ${name}${tenantOption}     (runs it now; --status shows every source's state)`,
        ),
      `  npx sluice status${tenantOption}     (what this server took, buffered and landed; ${server.url}/metrics for Prometheus)`,
      '',
    );
  } else {
    // Every JSON stream has a schema that none of the built-in samples meets: say how to post one's own.
    const [first] = Object.keys(tenant.streams);
    lines.push(
      'Try it (no built-in sample fits these schemas; write a record that does to record.json):',
      `  npx sluice send ${first}${tenantOption} record.json`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reloads the server when the tenant file or a local file it imports is saved: a valid config
 * switches over and prints one line per change, an invalid one is refused with its errors and
 * the server keeps serving the config it has.
 */
function followTenantFile(file: string, server: DevServer, io: CliIo): TenantWatcher {
  const fromCwd = relative(io.cwd, file);
  const shown = fromCwd && !fromCwd.startsWith('..') ? fromCwd : file;
  // The file itself is watched at once; the files it imports join when the first bundle says which.
  // Saves are applied one after the other, so the last save is the config that stays.
  let queue = Promise.resolve();
  const watcher = watchTenantFiles([file], () => {
    queue = queue.then(async () => {
      try {
        const fresh = await loadFreshTenant(file);
        watcher.watchFiles(fresh.files);
        const changes = await server.reload(fresh.config);
        io.stdout(
          changes.length === 0
            ? `reloaded ${shown}: no change to streams, sources or throttles\n`
            : changes.map((change) => `reloaded ${shown}: ${change}\n`).join(''),
        );
      } catch (error) {
        if (error instanceof TenantReloadError) watcher.watchFiles(error.files);
        io.stderr(`${shown} not reloaded, still serving the previous config: ${(error as Error).message}\n`);
      }
    });
  });
  loadFreshTenant(file).then(
    (fresh) => watcher.watchFiles(fresh.files),
    () => undefined, // Still watched alone: the next save reports what is wrong with it.
  );
  return watcher;
}

/** Runs `sluice dev`; resolves with the exit code after a signal flushed every buffer. */
export async function devCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(DEV_COMMAND, args);
  if (values.help) {
    io.stdout(DEV_USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument: ${positionals[0]}`, DEV_USAGE);
  }
  const port = portNumber(values.port ?? io.env.PORT, '--port', 4000, DEV_USAGE);
  const s3Port = portNumber(values['s3-port'], '--s3-port', port === 0 ? 0 : 4569, DEV_USAGE);
  const flushSeconds = nonNegativeNumber(values['flush-seconds'], '--flush-seconds', DEV_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const { config: tenant, file } = loaded;
  const home = tenantHome(loaded, io.env, io.cwd);
  const server = await startDevServer({
    tenant,
    home,
    port,
    s3Port,
    ...(flushSeconds === undefined ? {} : { flushSeconds }),
    ...(values['no-schedules'] ? { schedules: false } : {}),
    accessLog: boundedLineWriter(io.stdout, io.stdoutBacklogBytes ?? (() => 0)),
    pullLog: (line) => io.stdout(`${line}\n`),
    log: {
      info: (message) => io.stdout(`landed ${message}\n`),
      warn: (message) => io.stderr(`warning: ${message}\n`),
      error: (message) => io.stderr(`error: ${message}\n`),
    },
  });
  // Listen before telling anyone we are up: a signal that arrives while no listener is
  // registered takes Node's default action and ends the process without a flush.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (server.replayedRecords > 0) {
    io.stdout(`delivered ${plural(server.replayedRecords, 'record')} journaled by an earlier run\n`);
  }
  const { completed, released } = server.replayedKeys;
  if (completed + released > 0) {
    io.stdout(
      `Idempotency-Key: the earlier run left ${plural(completed + released, 'key')} in progress; ${completed} journaled with their records (now answered as completed), ${released} never journaled (now free)\n`,
    );
  }
  io.stdout(await devBanner(server, home.root, io.env, !values['no-schedules']));
  const watcher = followTenantFile(file, server, io);
  const signal = await stopRequested;
  watcher.close();
  io.stdout(`${signal}: flushing every buffer…\n`);
  const keepAlive = () => io.stderr('still flushing; the buffers are journaled, so a forced stop loses nothing\n');
  process.on('SIGINT', keepAlive);
  process.on('SIGTERM', keepAlive);
  try {
    await server.close();
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout('flushed; bye\n');
  return 0;
}
