/**
 * `sluice send`: sends a file's records through the TypeScript client (clients/typescript):
 * batched within the stream's limits, retried with an Idempotency-Key per batch, and with
 * `--spool` resumable after a kill, sending nothing twice and skipping nothing.
 */
import { resolve } from 'node:path';
import { FileSpool, SpoolLockedError } from '#clients/typescript/src/file-spool';
import { type Rejection, SluiceClient, type StreamSettings, type TokenProvider } from '#clients/typescript/src/index';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { readServerState } from '#local/server-state';
import { tenantHome } from '#local/sluice-home';
import type { TenantConfig } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { nonNegativeNumber } from '../parse-options.ts';
import { DEFAULT_LOCAL_URL } from '../token/token-command.ts';
import { fileBytes, jsonChunks, type RecordChunk, wholeInput } from './record-chunks.ts';

/** The declaration of `sluice send`: its options drive the parser and the help. */
export const SEND_COMMAND = defineCommand({
  name: 'send',
  synopsis: ['<stream> [file|-] [options]'],
  description: `Sends the file's records (or stdin's) with the Sluice client: JSON is one object, an array of
records, or NDJSON, one record per line (blank lines skipped), batched on batch streams; XML is
one document. JSON or XML is told by the content (first character "<" is XML) unless
--content-type says. Retries 409, 429, 5xx and network errors with the same Idempotency-Key,
honouring Retry-After; splits a batch on 413. Prints how many records were accepted, and each
rejected record with its problem.`,
  options: {
    spool: {
      type: 'string',
      value: '<dir>',
      help: 'a directory that keeps every record until it is answered: killed at any moment,\nthe same command again resumes, sending nothing twice and skipping nothing',
    },
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `whose running \`sluice dev\` to post to, and whose stream settings (default: ${DEFAULT_TENANT})`,
    },
    url: {
      type: 'string',
      value: '<url>',
      help: `base URL (default: the tenant's running \`sluice dev\`, else ${DEFAULT_LOCAL_URL})`,
    },
    token: {
      type: 'string',
      value: '<jwt>',
      help: 'bearer token (default: $SLUICE_TOKEN; against `sluice dev` one is made)',
    },
    'content-type': { type: 'string', value: '<type>', help: 'content type of the records' },
    retries: { type: 'string', value: '<n>', help: 'retries of a batch after its first attempt (default: 5)' },
    progress: { type: 'boolean', help: 'print "buffered <n>" on stderr as records enter the client' },
  },
});

/** Usage of `sluice send`, from its declaration. */
export const SEND_USAGE = commandUsage(SEND_COMMAND);

/** Most rejected records printed one by one; the rest are counted. */
const PRINTED_REJECTIONS = 20;

/** JSON or XML, by the first character that is not white space. */
export function isXml(start: string): boolean {
  return start.trimStart().startsWith('<');
}

/** Where the spool stands in the input: the records before `offset` are in it. */
interface SendCursor {
  readonly file: string;
  readonly stream: string;
  readonly offset: number;
}

async function firstBytes(
  input: AsyncIterable<Buffer | string>,
): Promise<{ head: string; rest: AsyncIterable<Buffer> }> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
  }
  return { head: head.toString('utf8', 0, Math.min(head.length, 1024)), rest: rest() };
}

function streamSettings(tenant: TenantConfig | undefined, stream: string): StreamSettings | undefined {
  const config = tenant && Object.hasOwn(tenant.streams, stream) ? tenant.streams[stream] : undefined;
  return config && { payload: config.payload, batch: config.batch === true, maxBytes: config.maxBytes };
}

function shortened(text: string, bytes: number): string {
  return text.length > bytes ? `${text.slice(0, bytes)}… (shortened)` : text;
}

/** Runs `sluice send`. */
export async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(SEND_COMMAND, args);
  if (values.help) {
    io.stdout(SEND_USAGE);
    return 0;
  }
  const [stream, file, ...rest] = positionals;
  if (!stream) throw new UsageError('missing: <stream>', SEND_USAGE);
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`, SEND_USAGE);
  const fromStdin = !file || file === '-';
  if (fromStdin && values.spool) throw new UsageError('--spool resumes a file: give a file, not stdin', SEND_USAGE);
  if (!file && io.stdin.isTTY) throw new UsageError('give a file, or "-" for stdin', SEND_USAGE);
  const retries = Math.floor(nonNegativeNumber(values.retries, '--retries', SEND_USAGE) ?? 5);
  const loaded = await loadTenant(values.tenant ?? DEFAULT_TENANT, { cwd: io.cwd });
  const tenant = loaded.config;
  const home = tenantHome(loaded, io.env, io.cwd);
  const local = await readServerState(home.serverStateFile);
  const baseUrl = (values.url ?? local?.url ?? DEFAULT_LOCAL_URL).replace(/\/+$/, '');
  let token: TokenProvider | undefined = values.token ?? io.env.SLUICE_TOKEN;
  if (!token && local && local.url === baseUrl) {
    const keys = await loadOrCreateKeySet(home.keySetFile);
    // A provider, so that a long send gets a new token before this one expires.
    token = () => signLocalToken(keys, { issuer: local.issuer, tenant: local.tenant, days: 1 });
  }
  if (!token && !local && !values.url) {
    throw new CliError(
      `no Sluice dev server is running on ${home.root}; start one with \`npm start\`, or pass --url and --token`,
    );
  }
  if (!token) throw new CliError('no token: pass --token or set SLUICE_TOKEN (`sluice token create` makes one)');

  const path = fromStdin ? '-' : resolve(io.cwd, file);
  let spool: FileSpool | undefined;
  if (values.spool) spool = new FileSpool(resolve(io.cwd, values.spool));
  const rejections: Rejection[] = [];
  let rejected = 0;
  let lastFailure = '';
  const client = new SluiceClient({
    url: baseUrl,
    token,
    streams: { [stream]: streamSettings(tenant, stream) ?? {} },
    maxAttempts: retries + 1,
    ...(spool ? { spool } : {}),
    onRejected: (rejection) => {
      rejected += 1;
      if (rejections.length < PRINTED_REJECTIONS) rejections.push(rejection);
    },
    onFailed: (failure) => {
      lastFailure = failure.reason;
    },
    onRetry: (notice) => {
      const what = notice.status === undefined ? 'network error' : String(notice.status);
      io.stderr(
        `${what}: retrying in ${(notice.delayMs / 1000).toFixed(1)} s (retry ${notice.attempt} of ${retries})\n`,
      );
    },
  });
  let start = 0;
  try {
    const cursor = await client.resumeCursor();
    if (cursor !== undefined) {
      const resumed = JSON.parse(cursor) as SendCursor;
      if (resumed.file !== path || resumed.stream !== stream) {
        throw new CliError(
          `the spool ${values.spool} belongs to sending ${resumed.file} to ${resumed.stream}; finish that, or use another --spool`,
        );
      }
      start = resumed.offset;
      if (start > 0) io.stderr(`resuming ${file} at byte ${start} from the spool\n`);
    }
  } catch (error) {
    if (error instanceof SpoolLockedError) throw new CliError(error.message);
    throw error;
  }

  let input: AsyncIterable<Buffer | string> = fromStdin ? io.stdin : fileBytes(path, start);
  let chunks: AsyncGenerator<RecordChunk>;
  try {
    const { head, rest: body } = await firstBytes(input);
    input = body;
    const contentType = values['content-type'];
    const settings = streamSettings(tenant, stream);
    const xml = contentType ? /xml/i.test(contentType) : settings ? settings.payload === 'xml' : isXml(head);
    chunks = xml ? wholeInput(input, start) : jsonChunks(input, start);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let buffered = 0;
  for await (const chunk of chunks) {
    const cursor: SendCursor = { file: path, stream, offset: chunk.offset };
    await client.sendMany(stream, chunk.records, spool ? { cursor: JSON.stringify(cursor) } : {});
    buffered += chunk.records.length;
    if (values.progress) io.stderr(`buffered ${buffered}\n`);
  }
  const stats = await client.close();
  for (const rejection of rejections) {
    io.stderr(
      `rejected (${rejection.status}): ${shortened(rejection.record, 200)}\n  ${shortened(JSON.stringify(rejection.problem), 1000)}\n`,
    );
  }
  if (rejected > rejections.length) io.stderr(`… and ${rejected - rejections.length} more rejected records\n`);
  io.stdout(
    `${stream}: ${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.failed} not delivered ` +
      `(${stats.requests} requests, ${stats.retries} retries)\n`,
  );
  if (stats.failed > 0) {
    const cause = /^\d+$/.test(lastFailure)
      ? `the last answer was ${lastFailure}`
      : `no Sluice server answers at ${baseUrl} (${lastFailure}); start one with \`npm start\``;
    throw new CliError(
      `${stats.failed} records not delivered after ${retries + 1} attempts: ${cause}${spool ? '; run the same command again to resume from the spool' : ''}`,
    );
  }
  return stats.rejected > 0 ? 1 : 0;
}
