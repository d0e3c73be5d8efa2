/**
 * `sluice verify --stack <name>`: the check after the first `cdk deploy`. Discovery and JWKS
 * must match the authorizer's issuer, a short token signed with the stack's key must get a
 * 202 from every stream, and each sample must land in the bucket. One line per check, then a
 * verdict; exit code 0 only when nothing failed. The token is never printed.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { parseKeyReaderList } from '#shared/config/auth-config';
import { isSelfIssuer } from '#shared/config/tenant-config';
import { loadTenant, TenantSourceError } from '#shared/config/tenant-loader';
import { isWebhookStream } from '#shared/config/webhook-config';
import { STACK_OUTPUTS, tenantOfStackName } from '#shared/contract/stack-outputs';
import { selfIssuerAudience, signTenantToken } from '#shared/tokens/token-claims';
import { CliError, type CliIo, UsageError } from '../cli-io.ts';
import { commandUsage, defineCommand, parseCommand } from '../command-spec.ts';
import { streamSample } from '../dev/sample-request.ts';
import { positiveNumber } from '../parse-options.ts';
import { defaultStackClients, readStackOutputs, readStackSigningKey, type StackClients } from '../token/stack-token.ts';
import { checkReporter } from './check-reporter.ts';
import { watchLanding } from './landing-watch.ts';
import { defaultPreflightClients, type PreflightClients } from './preflight-checks.ts';
import { runPreflight } from './preflight-command.ts';
import { checkDiscovery, checkJwks, postSample } from './verify-checks.ts';

/** Default wait for the batches: Firehose's default buffering (60 s) several times over. */
export const DEFAULT_VERIFY_TIMEOUT_SECONDS = 300;

/** Lifetime of the token verify signs: long enough for the posts, short enough to be harmless. */
export const VERIFY_TOKEN_MINUTES = 5;

const POLL_MS = 10_000;

/** The declaration of `sluice verify`: its options drive the parser and the help. */
export const VERIFY_COMMAND = defineCommand({
  name: 'verify',
  synopsis: ['--stack <stack name> [options]', '--preflight --tenant <name or path>'],
  description: `Checks a deployed stack end to end: the stack's outputs, the discovery document and JWKS
against the authorizer's issuer (TokenIssuer), a ${VERIFY_TOKEN_MINUTES}-minute token signed with the stack's key,
one sample record posted to every stream (202), and an object for each in the landing
bucket. Prints one line per check and a verdict; exit code 0 when every check passed.`,
  options: {
    stack: { type: 'string', value: '<stack name>', help: 'the stack, e.g. Sluice-acme' },
    tenant: {
      type: 'string',
      value: '<name or path>',
      help: "tenant config: a name in tenants/ or a path (default: the stack name's tenant)",
    },
    timeout: {
      type: 'string',
      value: '<seconds>',
      help: `seconds to wait for the batches (default: ${DEFAULT_VERIFY_TIMEOUT_SECONDS}; raise it for streams that buffer longer)`,
    },
    preflight: {
      type: 'boolean',
      help: "before the first deploy, with the deployer's credentials: the CDK bootstrap stack,\nyou among auth.keyReaders, every secret the config names, Lambda concurrency for\nany reservedConcurrency, the Region's services and the synthesized resource count",
    },
    'key-readers': {
      type: 'string',
      value: '<arn>,…',
      help: 'with --preflight: the key readers you will pass to cdk deploy as -c keyReaders=',
    },
  },
  notes: `Needs cloudformation:DescribeStacks, secretsmanager:GetSecretValue and kms:Decrypt on the
signing key secret, and s3:ListBucket on the landing bucket.`,
});

/** Usage of `sluice verify`, from its declaration. */
export const VERIFY_USAGE = commandUsage(VERIFY_COMMAND);

/** The AWS clients verify uses (made once per run, faked in tests). */
export interface VerifyClients extends StackClients {
  readonly s3: S3Client;
}

/** Clients for the default region and credentials. */
export function defaultVerifyClients(): VerifyClients {
  return { ...defaultStackClients(), s3: new S3Client({}) };
}

/** Runs `sluice verify`. */
export async function verifyCommand(
  args: readonly string[],
  io: CliIo,
  clients: () => VerifyClients = defaultVerifyClients,
  preflightClients: () => PreflightClients = defaultPreflightClients,
): Promise<number> {
  const since = new Date();
  const { values, positionals } = parseCommand(VERIFY_COMMAND, args);
  if (values.help) {
    io.stdout(VERIFY_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, VERIFY_USAGE);
  if (values.preflight) {
    if (!values.tenant)
      throw new UsageError(
        'missing: --tenant <name or path> (the preflight runs before any stack exists)',
        VERIFY_USAGE,
      );
    const { config } = await loadTenant(values.tenant, { cwd: io.cwd });
    const { arns, problems } = parseKeyReaderList(values['key-readers'] ?? '', '--key-readers');
    if (arns.length > 0 && !isSelfIssuer(config.auth)) {
      problems.push(
        `--key-readers: tenant ${config.tenant} takes tokens from ${config.auth.issuer}, so it has no signing keys to read`,
      );
    }
    if (problems.length > 0) throw new UsageError(problems.join('; '), VERIFY_USAGE);
    return runPreflight(config, io, preflightClients(), arns);
  }
  if (values['key-readers'] !== undefined) throw new UsageError('--key-readers goes with --preflight', VERIFY_USAGE);
  const stackName = values.stack;
  if (!stackName) throw new UsageError('missing: --stack <stack name>', VERIFY_USAGE);
  const timeoutMs = positiveNumber(values.timeout, '--timeout', DEFAULT_VERIFY_TIMEOUT_SECONDS, VERIFY_USAGE) * 1000;
  const tenantName = values.tenant ?? tenantOfStackName(stackName);
  if (!tenantName) throw new UsageError(`cannot tell the tenant of stack ${stackName}; pass --tenant`, VERIFY_USAGE);
  // The samples come from the tenant's streams, so the config must be here (unlike for token create).
  const { config: tenant } = await loadTenant(tenantName, { cwd: io.cwd }).catch((error: unknown) => {
    if (error instanceof TenantSourceError && error.problem === 'not-found') {
      throw new CliError(`verify posts to each stream of the tenant config: ${error.message}; pass --tenant`);
    }
    throw error;
  });
  if (!isSelfIssuer(tenant.auth)) {
    throw new CliError(
      `tenant ${tenant.tenant} trusts ${tenant.auth.issuer}; verify signs with the stack's own key, so it needs auth.issuer 'self'`,
    );
  }

  const { s3, cloudFormation, secretsManager } = clients();
  const out = checkReporter(io);

  let outputs: ReadonlyMap<string, string>;
  try {
    outputs = await readStackOutputs(cloudFormation, stackName);
  } catch (error) {
    out.report({ name: 'stack outputs', outcome: 'fail', detail: `${stackName}: ${(error as Error).message}` });
    return out.verdict();
  }
  const apiUrl = outputs.get(STACK_OUTPUTS.apiUrl)?.replace(/\/+$/, '');
  const issuer = outputs.get(STACK_OUTPUTS.issuer);
  const bucket = outputs.get(STACK_OUTPUTS.bucket);
  const secretName = outputs.get(STACK_OUTPUTS.signingKeySecret);
  if (!apiUrl || !issuer || !bucket || !secretName) {
    const missing = Object.values(STACK_OUTPUTS).filter((key) => !outputs.get(key));
    out.report({ name: 'stack outputs', outcome: 'fail', detail: `${stackName} has no ${missing.join(', ')}` });
    return out.verdict();
  }
  out.report({ name: 'stack outputs', outcome: 'pass', detail: `${stackName}: API ${apiUrl}, bucket ${bucket}` });

  const discovery = await checkDiscovery(issuer);
  out.report(discovery.result);

  let token: string;
  let kid: string;
  try {
    const key = await readStackSigningKey(secretsManager, secretName);
    kid = key.kid;
    token = await signTenantToken(key, { issuer, tenant: tenant.tenant, days: VERIFY_TOKEN_MINUTES / 1440 });
  } catch (error) {
    out.report({ name: 'token', outcome: 'fail', detail: `from secret ${secretName}: ${(error as Error).message}` });
    return out.verdict();
  }
  out.hide(token);
  out.report({ name: 'token', outcome: 'pass', detail: `signed by key ${kid}, valid ${VERIFY_TOKEN_MINUTES} min` });
  out.report(await checkJwks(discovery.jwksUri, token, { issuer, audience: selfIssuerAudience(tenant.tenant), kid }));

  const posted: string[] = [];
  for (const stream of Object.values(tenant.streams)) {
    if (isWebhookStream(stream)) {
      out.report({
        name: `post ${stream.id}`,
        outcome: 'skip',
        detail: "a webhook stream: its sender signs the posts (send a test delivery from the sender's settings)",
      });
      continue;
    }
    const sample = streamSample(stream, since);
    if (!sample) {
      out.report({
        name: `post ${stream.id}`,
        outcome: 'skip',
        detail: 'no built-in sample passes its schema; post one with `sluice send`',
      });
      continue;
    }
    const result = await postSample(apiUrl, token, sample);
    out.report(result);
    if (result.outcome === 'pass') posted.push(stream.id);
  }

  if (posted.length > 0) {
    io.stderr(`waiting up to ${timeoutMs / 1000} s for the batches (Firehose writes one per buffering interval)\n`);
    await watchLanding({
      s3,
      bucket,
      streams: posted,
      since,
      timeoutMs,
      pollMs: POLL_MS,
      onResult: (result) => out.report(result),
      onProgress: (pending, elapsedMs) =>
        io.stderr(`… ${Math.round(elapsedMs / 1000)} s of ${timeoutMs / 1000} s, waiting for ${pending.join(', ')}\n`),
    });
  }
  return out.verdict();
}
