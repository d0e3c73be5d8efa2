/** `sluice openapi`: prints or writes the tenant's OpenAPI 3.1 document, as GET /openapi.json serves it. */

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readServerState } from '#local/server-state';
import { tenantHome } from '#local/sluice-home';
import { DEFAULT_TENANT, loadTenant } from '#shared/config/tenant-loader';
import { openApiDocument } from '#shared/openapi/openapi';
import { type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';

import { DEFAULT_LOCAL_URL } from '../token/token-command.ts';

/** The declaration of `sluice openapi`: its options drive the parser and the help. */
export const OPENAPI_COMMAND = defineCommand({
  name: 'openapi',
  synopsis: ['[options]'],
  description: `Prints the tenant's OpenAPI 3.1 document (JSON) on stdout, or writes it to --out: a path per
stream and per dry-run route, their request bodies and answers, the token each needs.`,
  options: {
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: `tenant config: a name in tenants/ or a path (default: ${DEFAULT_TENANT})`,
    },
    out: { type: 'string', value: '<file>', help: 'write the document to this file instead of stdout' },
    server: {
      type: 'string',
      value: '<url>',
      help: `the API's base URL in the document, such as a stack's ApiUrl output\n(default: the running \`sluice dev\`, else ${DEFAULT_LOCAL_URL})`,
    },
  },
});

/** Usage of `sluice openapi`, from its declaration. */
export const OPENAPI_USAGE = commandUsage(OPENAPI_COMMAND);

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server must be an http or https URL, not "${value}"`, OPENAPI_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server must be an http or https URL, not "${value}"`, OPENAPI_USAGE);
  }
  // Paths in the document start with `/`: a trailing one here would double it.
  return value.replace(/\/+$/, '');
}

/** Runs `sluice openapi`. */
export async function openApiCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(OPENAPI_COMMAND, args);
  if (values.help) {
    io.stdout(OPENAPI_USAGE);
    return 0;
  }
  if (positionals[0] !== undefined) throw new UsageError(`unexpected argument: ${positionals[0]}`, OPENAPI_USAGE);
  if (values.out === '') throw new UsageError('--out needs a file name', OPENAPI_USAGE);
  const server = values.server === undefined ? undefined : serverUrl(values.server);
  const loaded = await loadTenant(values.tenant, { cwd: io.cwd });
  const tenant = loaded.config;
  const running = server ? undefined : await readServerState(tenantHome(loaded, io.env, io.cwd).serverStateFile);
  const document = openApiDocument(tenant, { serverUrl: server ?? running?.url ?? DEFAULT_LOCAL_URL });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (values.out === undefined) {
    io.stdout(text);
    return 0;
  }
  const file = resolve(io.cwd, values.out);
  await writeFile(file, text);
  io.stderr(
    `wrote the OpenAPI document of tenant ${tenant.tenant} (${Object.keys(document.paths).length} paths) to ${values.out}\n`,
  );
  return 0;
}
