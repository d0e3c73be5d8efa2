/** `sluice send`: posts one body to a stream, retrying 429 and 5xx; prints the status and body. */
import { readFile } from 'node:fs/promises';
import { loadOrCreateKeySet, signLocalToken } from '#local/local-issuer';
import { readServerState } from '#local/server-state';
import { sluiceHome } from '#local/sluice-home';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { CONTENT_TYPES, ingestPath } from '#shared/contract/contract';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { nonNegativeNumber } from '../parse-options.ts';
import { DEFAULT_LOCAL_URL } from '../token/token-command.ts';
import { backoffDelay, isRetryable, parseRetryAfter } from './retry-delay.ts';

/** The declaration of `sluice send`: its options drive the parser and the help. */
export const SEND_COMMAND = defineCommand({
  name: 'send',
  synopsis: ['<stream> [file|-] [options]'],
  description: `Posts the file (or stdin) to the stream and prints the status and the body. JSON or XML is
told by the content (first character "<" is XML; several lines of JSON, or a .ndjson or
.jsonl file, are NDJSON) unless --content-type says. Retries 429
and 5xx with exponential backoff and jitter, honouring Retry-After; other statuses are final.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `whose running \`sluice dev\` to post to (default: ${DEFAULT_TENANT})`,
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
    'content-type': { type: 'string', value: '<type>', help: 'content type of the body' },
    retries: { type: 'string', value: '<n>', help: 'retries after the first attempt (default: 5)' },
  },
});

/** Usage of `sluice send`, from its declaration. */
export const SEND_USAGE = commandUsage(SEND_COMMAND);

async function readBody(file: string | undefined, io: CliIo): Promise<Buffer> {
  if (file && file !== '-') {
    try {
      return await readFile(file);
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (!file && io.stdin.isTTY) throw new UsageError('give a file, or "-" for stdin', SEND_USAGE);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** File extensions whose content is one JSON record per line. */
const NDJSON_EXTENSIONS = ['.ndjson', '.jsonl'];

/**
 * The content type of a body: NDJSON by the file's extension or by content (two or more lines,
 * the first a whole JSON value), XML when the first character is "<", JSON otherwise.
 */
export function sniffContentType(body: Buffer, file?: string): string {
  if (file && NDJSON_EXTENSIONS.some((extension) => file.toLowerCase().endsWith(extension))) {
    return CONTENT_TYPES.ndjson[0];
  }
  const head = body.toString('utf8', 0, Math.min(body.length, 64 * 1024)).trimStart();
  if (head.startsWith('<')) return CONTENT_TYPES.xml[0];
  const lines = head.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 1 && isJson(lines[0] ?? '') ? CONTENT_TYPES.ndjson[0] : CONTENT_TYPES.json[0];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const retries = Math.floor(nonNegativeNumber(values.retries, '--retries', SEND_USAGE) ?? 5);
  const tenantName = values.tenant ? (await loadTenant(values.tenant, { cwd: io.cwd })).config.tenant : DEFAULT_TENANT;
  const home = sluiceHome(tenantName, io.env, io.cwd);
  const local = await readServerState(home.serverStateFile);
  const baseUrl = (values.url ?? local?.url ?? DEFAULT_LOCAL_URL).replace(/\/+$/, '');
  let token = values.token ?? io.env.SLUICE_TOKEN;
  if (!token && local && local.url === baseUrl) {
    token = await signLocalToken(await loadOrCreateKeySet(home.keySetFile), {
      issuer: local.issuer,
      tenant: local.tenant,
      days: 1,
    });
  }
  if (!token && !local && !values.url) {
    throw new CliError(
      `no Sluice dev server is running on ${home.root}; start one with \`npm start\`, or pass --url and --token`,
    );
  }
  if (!token) throw new CliError('no token: pass --token or set SLUICE_TOKEN (`sluice token create` makes one)');
  const body = await readBody(file, io);
  const url = `${baseUrl}${ingestPath(stream)}`;
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': values['content-type'] ?? sniffContentType(body, file),
  };
  for (let attempt = 0; ; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`no Sluice server answers at ${baseUrl} (${cause}); start one with \`npm start\``);
    }
    const text = await response.text();
    if (isRetryable(response.status) && attempt < retries) {
      const wait = parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(attempt + 1);
      io.stderr(`${response.status}: retrying in ${(wait / 1000).toFixed(1)} s (retry ${attempt + 1} of ${retries})\n`);
      await sleep(wait);
      continue;
    }
    io.stdout(`${response.status} ${response.statusText}\n${text}${text.endsWith('\n') ? '' : '\n'}`);
    return response.ok ? 0 : 1;
  }
}
