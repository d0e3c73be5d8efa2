/**
 * `sluice dlq ls|replay <stream>`: look at a stream's dead letters and replay those that pass
 * the stream's current config (docs/dead-letters.md). Locally it reads the tenant's embedded
 * S3 and delivers through local mode's Firehose emulation: the running dev server's (through
 * its delivery route, so that its journal has one writer), or one opened for this command when
 * no server runs. With `--stack` it reads the deployed landing bucket and delivers with
 * Firehose `PutRecordBatch` (Kinesis `PutRecords` for `delivery: 'kinesis'`) through
 * functions/delivery's adapters, with the caller's credentials.
 */
import { randomBytes } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '#functions/delivery/entry-retries';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { KinesisDelivery } from '#functions/delivery/kinesis-delivery';
import { createS3Client, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { FirehoseEmulation } from '#local/firehose/firehose-emulation';
import { readServerState } from '#local/server-state';
import { type SluiceHome, tenantHome } from '#local/sluice-home';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { PROBLEM_TYPES } from '#shared/contract/errors';
import { deliveryStreamOutput, STACK_OUTPUTS, tenantOfStackName } from '#shared/contract/stack-outputs';
import type { DeliveryBindings } from '#shared/ports/delivery-bindings';
import type { RecordDelivery } from '#shared/ports/delivery-port';
import { noteBuffered, tenantStream } from '../batches/batches-command.ts';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';

import { parseTimeWindow, type TimeWindow } from '../time-window.ts';
import { checkStackName, readStackOutputs } from '../token/stack-token.ts';
import { type DeadLetterEntry, PULLED_SLUG, readDeadLetters, UNREADABLE_SLUG } from './dead-letter-reader.ts';
import { replayDeadLetters } from './dead-letter-replay.ts';
import { formatDeadLetterList, formatReplaySummary } from './dead-letter-summary.ts';
import { ReplayLedger } from './replay-ledger.ts';
import { REPLAY_LOCK_STALE_MS, ReplayLock } from './replay-lock.ts';

/** The declaration of `sluice dlq`: its options drive the parser and the help. */
export const DLQ_COMMAND = defineCommand({
  name: 'dlq',
  synopsis: ['ls <stream> [options]', 'replay <stream> [--dry-run] [options]'],
  description: `ls counts the stream's dead letters by problem and reason and shows the newest, shortened.
replay checks each dead letter again against the stream's current config (the tenant file
as it is now) and delivers those that pass as a post of them would have been; the others
stay where they are. A replay ledger in the landing bucket (dlq-replays/<stream>/) records
each replayed record, so no later run replays it again; a run killed mid-replay may repeat,
run again, its one chunk in flight. A replay holds a lock on its stream (dlq-replays/<stream>/
replay.lock); a second one is refused while it runs, and a lock left by a crashed run is taken
over ${REPLAY_LOCK_STALE_MS / 60_000} minutes after it was last rewritten. Progress goes to stderr, the summary
(replayed, still rejected with the top reasons, skipped, and the run id) to stdout.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `whose streams, current schemas and local data (default: ${DEFAULT_TENANT})`,
    },
    since: {
      type: 'string',
      value: '<duration|date>',
      help: 'dead letters received from then on: a duration back (90m, 6h, 7d) or a date',
    },
    until: { type: 'string', value: '<duration|date>', help: 'dead letters received up to then' },
    problem: {
      type: 'string',
      value: '<slug>',
      help: `only this problem type: ${['malformed-body', 'schema-violation', PULLED_SLUG].join(', ')}, …`,
    },
    'dry-run': { type: 'boolean', help: 'replay: check and report, deliver and record nothing' },
    stack: {
      type: 'string',
      value: '<stack name>',
      help: "the deployed stack's landing bucket and delivery streams, with the default AWS\ncredentials (docs/deploy.md lists the permissions); without it, local mode's data",
    },
  },
});

/** Usage of `sluice dlq`, from its declaration. */
export const DLQ_USAGE = commandUsage(DLQ_COMMAND);

/** The AWS clients of `--stack` (made once per run, faked in tests). */
export interface DlqClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly kinesis: KinesisClient;
  /** Backoff of partial-failure retries; the ingest function's by default. */
  readonly retryPolicy?: RetryPolicy;
}

/** Clients for the default region and credentials. */
export function defaultDlqClients(): DlqClients {
  return {
    cloudFormation: new CloudFormationClient({}),
    s3: new S3Client({}),
    firehose: new FirehoseClient({}),
    kinesis: new KinesisClient({}),
  };
}

/** The problem slugs `--problem` takes: every problem type, and the pseudo-slugs of pulled and unreadable lines. */
function problemSlugs(): string[] {
  return [...PROBLEM_TYPES.map((row) => row.slug), PULLED_SLUG, UNREADABLE_SLUG];
}

/** Where the dead letters are read, the ledger kept and the records delivered. */
interface DlqSource {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The delivery of a replay (opened only for one that delivers). */
  openDelivery(): Promise<RecordDelivery>;
  close(): Promise<void>;
}

async function localSource(tenant: TenantConfig, home: SluiceHome, io: CliIo): Promise<DlqSource> {
  const server = await readServerState(home.serverStateFile);
  if (server) {
    const { DevServerDelivery } = await import('./dev-server-delivery.ts');
    return {
      s3: createS3Client(server.s3Endpoint),
      bucket: server.bucket,
      openDelivery: async () => {
        // Opening the data beside a server without the route would make two writers of its journal.
        if (!server.pullKey) {
          throw new CliError(`the dev server (pid ${server.pid}) has no delivery route; restart it and run again`);
        }
        io.stderr(`delivering through the dev server at ${server.url}; the records land at its next flush\n`);
        return new DevServerDelivery({ ...server, pullKey: server.pullKey });
      },
      close: async () => undefined,
    };
  }
  // No server: this command opens the tenant's data as `sluice pull` does, and flushes before it exits.
  const embedded = await startEmbeddedS3(home.s3, 0);
  const s3 = createS3Client(embedded.endpoint);
  let emulation: FirehoseEmulation | undefined;
  return {
    s3,
    bucket: embedded.bucket,
    openDelivery: async () => {
      emulation = new FirehoseEmulation({ tenant, s3, bucket: embedded.bucket, journalDirectory: home.buffers });
      // Journals an earlier run left are landed first, as a starting dev server would.
      await emulation.replay();
      return emulation;
    },
    close: async () => {
      try {
        await emulation?.flushAll();
      } finally {
        await embedded.close();
      }
    },
  };
}

async function stackSource(stackName: string, stream: StreamConfig, clients: DlqClients): Promise<DlqSource> {
  let outputs: ReadonlyMap<string, string>;
  try {
    outputs = await readStackOutputs(clients.cloudFormation, stackName);
  } catch (error) {
    throw new CliError(`cannot read the outputs of stack ${stackName}: ${(error as Error).message}`);
  }
  const bucket = outputs.get(STACK_OUTPUTS.bucket);
  if (!bucket) throw new CliError(`stack ${stackName} has no ${STACK_OUTPUTS.bucket} output; is it a Sluice stack?`);
  const recordsName = outputs.get(deliveryStreamOutput(stream.id));
  return {
    s3: clients.s3,
    bucket,
    openDelivery: async () => {
      if (!recordsName) {
        throw new CliError(`stack ${stackName} has no delivery stream for ${stream.id}; deploy the tenant first`);
      }
      // A Kinesis-fed Firehose takes no Direct PUT: its records go to the Kinesis stream of the same name.
      const bindings: DeliveryBindings = {
        [stream.id]: {
          records: { kind: stream.delivery === 'kinesis' ? 'kinesis' : 'firehose', name: recordsName },
          ...(stream.projection === 'json' ? { jsonProjection: true as const } : {}),
        },
      };
      const policy = clients.retryPolicy ?? DEFAULT_RETRY_POLICY;
      return new AwsDelivery(
        {
          firehose: new FirehoseDelivery(clients.firehose, bindings, policy),
          kinesis: new KinesisDelivery(clients.kinesis, bindings, policy),
        },
        bindings,
      );
    },
    close: async () => undefined,
  };
}

/** A run id that sorts by start time: `20250101T100000Z-1a2b3c4d`. */
function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

async function selectDeadLetters(
  source: DlqSource,
  stream: string,
  window: TimeWindow,
  problem: string | undefined,
  io: CliIo,
): Promise<{ entries: DeadLetterEntry[]; objects: number }> {
  let objects = 0;
  let entries: DeadLetterEntry[];
  try {
    entries = await readDeadLetters(source.s3, source.bucket, stream, window, (_object, index, count) => {
      objects = count;
      if (index === 0 || (index + 1) % 50 === 0) io.stderr(`reading dead-letter object ${index + 1} of ${count}\n`);
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read s3://${source.bucket}/dlq/${stream}/: ${(error as Error).message}`);
  }
  return { entries: problem ? entries.filter((entry) => entry.slug === problem) : entries, objects };
}

/** Runs `sluice dlq`. */
export async function dlqCommand(
  args: readonly string[],
  io: CliIo,
  clients: () => DlqClients = defaultDlqClients,
): Promise<number> {
  const { values, positionals } = parseCommand(DLQ_COMMAND, args);
  if (values.help) {
    io.stdout(DLQ_USAGE);
    return 0;
  }
  const [action, streamId, ...rest] = positionals;
  if (action !== 'ls' && action !== 'replay') {
    throw new UsageError(action ? `unknown subcommand: ${action}` : 'missing: ls or replay', DLQ_USAGE);
  }
  if (!streamId) throw new UsageError('missing: <stream>', DLQ_USAGE);
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`, DLQ_USAGE);
  if (action === 'ls' && values['dry-run']) throw new UsageError('--dry-run is for replay', DLQ_USAGE);
  if (values.problem !== undefined && !problemSlugs().includes(values.problem)) {
    throw new UsageError(`--problem must be one of ${problemSlugs().join(', ')}`, DLQ_USAGE);
  }
  if (values.stack !== undefined) checkStackName(values.stack, DLQ_USAGE);
  const now = new Date();
  const window = parseTimeWindow(values, now, DLQ_USAGE);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  const stream = tenantStream(tenant, streamId, DLQ_USAGE);
  const stackTenant = values.stack === undefined ? undefined : tenantOfStackName(values.stack);
  if (stackTenant !== undefined && stackTenant !== tenant.tenant) {
    throw new CliError(`stack ${values.stack} is tenant ${stackTenant}'s; pass --tenant ${stackTenant}`);
  }
  const home = tenantHome(loaded, io.env, io.cwd);
  const source =
    values.stack === undefined
      ? await localSource(tenant, home, io)
      : await stackSource(values.stack, stream, clients());
  // On a stack a closed window lists only its hours, so an open end is now.
  const listWindow = values.stack !== undefined && window.since ? { until: now, ...window } : window;
  const dryRun = values['dry-run'] ?? false;
  const run = newRunId(now);
  let lock: ReplayLock | undefined;
  try {
    // Taken before the ledger is read: a run that reads it while another delivers would deliver again.
    if (action === 'replay' && !dryRun) {
      lock = await ReplayLock.acquire(source.s3, source.bucket, stream.id, run, (line) => io.stderr(`${line}\n`));
    }
    const ledger = new ReplayLedger(source.s3, source.bucket, stream.id);
    const { entries, objects } = await selectDeadLetters(source, stream.id, listWindow, values.problem, io);
    const replayed = await ledger.replayed();
    if (action === 'ls') {
      io.stdout(formatDeadLetterList(stream.id, entries, new Set(replayed.keys()), objects));
    } else {
      const held = lock;
      const opened = dryRun ? undefined : await source.openDelivery();
      // Each chunk is delivered only while the lock is still this run's.
      const delivery: RecordDelivery | undefined =
        opened && held
          ? {
              deliver: (batch) => {
                held.assertHeld();
                return opened.deliver(batch);
              },
            }
          : opened;
      try {
        const summary = await replayDeadLetters({
          stream,
          entries,
          replayed,
          run,
          delivery,
          ledger,
          progress: (line) => io.stderr(`${line}\n`),
        });
        io.stdout(formatReplaySummary(summary));
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(
          `run ${run} stopped (what it replayed is in the ledger; run it again for the rest): ${(error as Error).message}`,
        );
      }
    }
  } finally {
    try {
      await lock?.release();
    } finally {
      await source.close();
    }
  }
  if (values.stack === undefined) await noteBuffered(stream.id, true, home, io);
  return 0;
}
