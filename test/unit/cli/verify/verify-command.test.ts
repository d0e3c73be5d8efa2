import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '#cli/main';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract/contract';
import { STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { newSigningKeySet, openIdConfiguration, publicJwks, type SigningKeySet } from '#shared/tokens/signing-keys';
import { captureIo } from '../io-capture.ts';

const cloudFormation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);

const BUCKET = 'sluice-example-landing';
const SECRET = 'sluice-example-signing-keys';
// tenants/example.ts: orders (JSON with a schema), events (JSON batch), profiles (XML), and the
// github webhook stream, which verify skips (its sender signs the posts).
const STREAMS = ['orders', 'events', 'profiles'];

interface StandIn {
  readonly url: string;
  /** Authorization headers of the posts, and the streams they went to. */
  readonly posts: { stream: string; authorization: string; contentType: string }[];
}

const servers: Server[] = [];

afterEach(async () => {
  cloudFormation.reset();
  secretsManager.reset();
  s3.reset();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The deployed API, played by a local server: discovery and JWKS of the stack's keys, and
 * stream routes that check the bearer token as the JWT authorizer does before answering 202.
 */
async function startApi(
  keySet: SigningKeySet,
  options: { discoveryIssuer?: string; streamStatus?: Record<string, number>; tenant?: string } = {},
): Promise<StandIn> {
  const posts: StandIn['posts'] = [];
  let url = '';
  const jwks = createLocalJWKSet(publicJwks(keySet));
  const server = createServer(async (request, response) => {
    const path = request.url ?? '';
    const body = await readBody(request);
    const send = (status: number, answer: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    };
    if (request.method === 'GET' && path === OPENID_CONFIGURATION_PATH) {
      return send(200, openIdConfiguration(options.discoveryIssuer ?? url, `${url}${JWKS_PATH}`));
    }
    if (request.method === 'GET' && path === JWKS_PATH) return send(200, publicJwks(keySet));
    const stream = /^\/stream\/v0\/data\/([^/]+)$/.exec(path)?.[1];
    if (request.method !== 'POST' || !stream) return send(404, { message: 'Not Found' });
    const authorization = request.headers.authorization ?? '';
    posts.push({ stream, authorization, contentType: request.headers['content-type'] ?? '' });
    try {
      await jwtVerify(authorization.replace(/^Bearer /, ''), jwks, {
        issuer: url,
        audience: `sluice-${options.tenant ?? 'example'}`,
      });
    } catch {
      return send(401, { message: 'Unauthorized' });
    }
    const status = options.streamStatus?.[stream] ?? 202;
    if (status !== 202) return send(status, { title: 'Unsupported content type', status, detail: body.length });
    return send(202, { status: 'accepted', stream, records: 1, receipt: `r-${stream}` });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, posts };
}

function deployedStack(api: StandIn, keySet: SigningKeySet, stackName = 'Sluice-example'): void {
  cloudFormation.on(DescribeStacksCommand, { StackName: stackName }).resolves({
    Stacks: [
      {
        StackName: stackName,
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: STACK_OUTPUTS.apiUrl, OutputValue: api.url },
          { OutputKey: STACK_OUTPUTS.issuer, OutputValue: api.url },
          { OutputKey: STACK_OUTPUTS.bucket, OutputValue: BUCKET },
          { OutputKey: STACK_OUTPUTS.signingKeySecret, OutputValue: SECRET },
        ],
      },
    ],
  });
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify(keySet) });
}

/** Each stream's batch is in the bucket, written now (or `at`). */
function landed(streams: readonly string[], at = () => new Date()): void {
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  for (const stream of streams) {
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: `streams/${stream}/` }).callsFake(() => ({
      Contents: [{ Key: `streams/${stream}/year=2026/month=01/day=01/hour=00/batch-1.ndjson`, LastModified: at() }],
    }));
  }
}

async function verify(...args: string[]) {
  const captured = captureIo();
  const stack = args.includes('--stack') ? [] : ['--stack', 'Sluice-example'];
  const code = await runCli(['verify', ...stack, ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

function line(stdout: string, name: string): string {
  return stdout.split('\n').find((text) => text.slice(2).startsWith(`${name} `)) ?? `(no line "${name}")`;
}

describe('sluice verify --stack', () => {
  it('passes every check of a healthy stack, posting one sample to every stream, and exits 0', async () => {
    const keySet = await newSigningKeySet();
    const api = await startApi(keySet);
    deployedStack(api, keySet);
    landed(STREAMS);

    const { code, stdout, stderr } = await verify();

    expect(code).toBe(0);
    for (const name of [
      'stack outputs',
      'discovery',
      'token',
      'jwks',
      ...STREAMS.flatMap((s) => [`post ${s}`, `landed ${s}`]),
    ]) {
      expect(line(stdout, name)).toMatch(/^✔ /);
    }
    expect(line(stdout, 'landed orders')).toContain(`s3://${BUCKET}/streams/orders/`);
    expect(stdout).toContain('verify: PASS, 10 of 10 checks passed (1 skipped)');
    expect(line(stdout, 'post github')).toMatch(/^– post github +a webhook stream: its sender signs the posts/);
    expect(api.posts.map((post) => [post.stream, post.contentType])).toEqual([
      ['orders', 'application/json'],
      ['events', 'application/json'],
      ['profiles', 'application/xml'],
    ]);
    // The token the API got is short-lived and never shown.
    const token = api.posts[0]?.authorization.replace('Bearer ', '') ?? '';
    const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks(keySet)));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(stdout + stderr).not.toContain(token);
    expect(stdout + stderr).not.toContain(token.split('.')[2]);
  });

  it('fails the discovery check when the document names another issuer than TokenIssuer', async () => {
    const keySet = await newSigningKeySet();
    const api = await startApi(keySet, { discoveryIssuer: 'https://other.example.com' });
    deployedStack(api, keySet);
    landed(STREAMS);

    const { code, stdout } = await verify();

    expect(code).toBe(1);
    expect(line(stdout, 'discovery')).toMatch(/^✘ /);
    expect(line(stdout, 'discovery')).toContain(
      `issuer is https://other.example.com, but the authorizer expects ${api.url}`,
    );
    expect(line(stdout, 'post orders')).toMatch(/^✔ /);
    expect(stdout).toContain('verify: FAIL, 1 of 10 checks failed');
  });

  it('fails a stream that answers 4xx, shows its status and body, and does not wait for its batch', async () => {
    const keySet = await newSigningKeySet();
    const api = await startApi(keySet, { streamStatus: { profiles: 415 } });
    deployedStack(api, keySet);
    landed(STREAMS);

    const { code, stdout } = await verify();

    expect(code).toBe(1);
    expect(line(stdout, 'post profiles')).toMatch(/^✘ post profiles +415 \{"title":"Unsupported content type"/);
    expect(stdout).not.toContain('landed profiles');
    expect(line(stdout, 'landed events')).toMatch(/^✔ /);
    expect(stdout).toContain('verify: FAIL, 1 of 9 checks failed');
  });

  it('fails a stream whose batch does not land before --timeout, showing progress while it waits', async () => {
    const keySet = await newSigningKeySet();
    const api = await startApi(keySet);
    deployedStack(api, keySet);
    landed(['orders', 'profiles']);
    // events holds only a batch from before the run: it must not count.
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'streams/events/' }).resolves({
      Contents: [
        {
          Key: 'streams/events/year=2026/month=01/day=01/hour=00/old.ndjson',
          LastModified: new Date(Date.now() - 2_000),
        },
      ],
    });

    const { code, stdout, stderr } = await verify('--timeout', '0.5');

    expect(code).toBe(1);
    expect(line(stdout, 'landed events')).toMatch(
      new RegExp(`^✘ landed events +nothing new under s3://${BUCKET}/streams/events/ after 0.5 s`),
    );
    expect(line(stdout, 'landed orders')).toMatch(/^✔ /);
    expect(stderr).toContain('waiting for events');
    expect(stdout).toContain('verify: FAIL, 1 of 10 checks failed');
  });

  it('counts an object from the second the run started (S3 times are whole seconds) but not one from before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.700Z'));
    try {
      const keySet = await newSigningKeySet();
      deployedStack(await startApi(keySet), keySet);
      landed(['orders', 'profiles'], () => new Date('2026-03-01T10:00:00.000Z'));
      s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'streams/events/' }).resolves({
        Contents: [
          {
            Key: 'streams/events/year=2026/month=03/day=01/hour=09/old.ndjson',
            LastModified: new Date('2026-03-01T09:59:59.999Z'),
          },
        ],
      });

      const { stdout } = await verify('--timeout', '0.2');

      expect(line(stdout, 'landed orders')).toMatch(/^✔ /);
      expect(line(stdout, 'landed events')).toMatch(/^✘ /);
    } finally {
      vi.useRealTimers();
    }
  });

  it('skips, without failing, a stream whose schema takes none of the built-in samples', async () => {
    const keySet = await newSigningKeySet();
    const api = await startApi(keySet, { tenant: 'strict' });
    deployedStack(api, keySet, 'Sluice-strict');
    landed(['events', 'invoices']);

    const { code, stdout } = await verify(
      '--stack',
      'Sluice-strict',
      '--tenant',
      'test/unit/cli/fixtures/strict-tenant.ts',
    );

    expect(code).toBe(0);
    expect(line(stdout, 'post invoices')).toMatch(/^– post invoices +no built-in sample passes its schema/);
    expect(stdout).not.toContain('landed invoices');
    expect(api.posts.map((post) => post.stream)).toEqual(['events']);
    expect(stdout).toContain('verify: PASS, 6 of 6 checks passed (1 skipped)');
  });

  it('lists the landing bucket from the hour before the run, not the whole stream history', async () => {
    const keySet = await newSigningKeySet();
    deployedStack(await startApi(keySet), keySet);
    landed(STREAMS);
    const pad = (value: number) => String(value).padStart(2, '0');
    const hourBefore = (at: number) => {
      const hour = new Date(at - 3_600_000);
      return `streams/orders/year=${hour.getUTCFullYear()}/month=${pad(hour.getUTCMonth() + 1)}/day=${pad(hour.getUTCDate())}/hour=${pad(hour.getUTCHours())}/`;
    };

    const before = Date.now();
    await verify();
    const after = Date.now();

    const input = s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input;
    expect(input).toMatchObject({ Bucket: BUCKET, Prefix: 'streams/orders/' });
    // Either side of an hour boundary that the run happened to cross.
    expect([hourBefore(before), hourBefore(after)]).toContain(input?.StartAfter);
  });

  it('fails with the missing output names when the stack lacks its outputs', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Sluice-example', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });

    const { code, stdout } = await verify();

    expect(code).toBe(1);
    expect(line(stdout, 'stack outputs')).toContain(`has no ${Object.values(STACK_OUTPUTS).join(', ')}`);
    expect(stdout).toContain('verify: FAIL, 1 of 1 checks failed');
  });

  it('asks for --stack and rejects a timeout of 0', async () => {
    const captured = captureIo();
    expect(await runCli(['verify'], captured.io)).toBe(2);
    expect(captured.stderr()).toContain('missing: --stack');
    const { code, stderr } = await verify('--timeout', '0');
    expect(code).toBe(2);
    expect(stderr).toContain('--timeout must be a positive number');
  });
});
