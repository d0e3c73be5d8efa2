/**
 * The tenant's OpenAPI document: valid OpenAPI 3.1 (by @seriousme/openapi-schema-validator and
 * by `redocly lint` with no errors), one path per stream and dry-run route, and in agreement
 * with the status tables of README.md and docs/contract.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTenant, type TenantConfig } from '#shared/config/tenant-config';
import {
  CONTRACT_STATUS,
  CONTRACT_STATUSES,
  type ContractStatus,
  DOCS_PATH,
  HEALTH_PATH,
  ingestPath,
  JWKS_PATH,
  OPENAPI_PATH,
  OPENID_CONFIGURATION_PATH,
  PROBLEM_CONTENT_TYPE,
  validatePath,
} from '#shared/contract/contract';
import { PROBLEM_TYPES, problemType } from '#shared/contract/errors';
import { BEARER_SCHEME, type OpenApiDocument, openApiDocument, recordSchemaName } from '#shared/openapi/openapi';
import { routeScopes } from '#shared/tokens/token-claims';
import exampleTenant from '#tenants/example';
import guardedTenant from '../../../e2e/fixtures/guarded-pull-tenant.ts';
import queryTenant from '../../../e2e/fixtures/query-tenant.ts';
import analystTenant from '../../../infra/fixtures/analyst-tenant.ts';
import kinesisTenant from '../../../infra/fixtures/kinesis-tenant.ts';
import largestTenant from '../../../infra/fixtures/largest-tenant.ts';
import pullTenant from '../../../infra/fixtures/pull-tenant.ts';
import cliPullTenant from '../../cli/fixtures/pull-tenant.ts';
import strictTenant from '../../cli/fixtures/strict-tenant.ts';
import openApiTenant from '../fixtures/openapi-tenant.ts';

const REPO_ROOT = join(import.meta.dirname, '../../../..');
const SERVER = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

const TENANTS: readonly TenantConfig[] = [
  exampleTenant,
  openApiTenant,
  queryTenant,
  guardedTenant,
  analystTenant,
  kinesisTenant,
  largestTenant,
  pullTenant,
  cliPullTenant,
  strictTenant,
];

const documentOf = (tenant: TenantConfig) => openApiDocument(tenant, { serverUrl: SERVER });
const cases = TENANTS.map((tenant) => [tenant.tenant, tenant] as const);

/** Statuses of a generated status table in a Markdown file (the first column of each row). */
async function tableStatuses(path: string): Promise<number[]> {
  const text = await readFile(join(REPO_ROOT, path), 'utf8');
  const section = /<!-- generated:status-table -->([\s\S]*?)<!-- \/generated:status-table -->/.exec(text)?.[1] ?? '';
  return [...section.matchAll(/^\| (\d{3}) \|/gm)].map((match) => Number(match[1]));
}

describe('the OpenAPI document', () => {
  it.each(cases)('of tenant %s is valid OpenAPI 3.1 by @seriousme/openapi-schema-validator', async (_, tenant) => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(documentOf(tenant))));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  describe('redocly lint', () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'sluice-openapi-'));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it('finds no error in the document of any tenant', async () => {
      // `recommended` is built into the CLI; telemetry and the update check are off, so no network is needed.
      const config = join(directory, 'redocly.yaml');
      await writeFile(config, 'extends:\n  - recommended\ntelemetry: off\n');
      const files = await Promise.all(
        TENANTS.map(async (tenant, index) => {
          const file = join(directory, `${index}-${tenant.tenant}.json`);
          await writeFile(file, JSON.stringify(documentOf(tenant)));
          return file;
        }),
      );
      const lint = [
        join(REPO_ROOT, 'node_modules/.bin/redocly'),
        'lint',
        ...files,
        '--config',
        config,
        '--format=json',
      ];
      // With no network at all where the machine allows it (a user and network namespace).
      const offline = await promisify(execFile)('unshare', ['-rn', 'true']).then(
        () => true,
        () => false,
      );
      const [command = '', ...args] = offline ? ['unshare', '-rn', ...lint] : lint;
      const run = await promisify(execFile)(command, args, {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
      }).then(
        (output) => ({ ...output, code: 0 }),
        (error: { stdout: string; stderr: string; code: number }) => error,
      );
      // One JSON report per file, one after the other.
      const reports = JSON.parse(`[${run.stdout.replace(/\}\s*\{(?=\s*"totals")/g, '},{')}]`) as {
        totals: { errors: number };
        problems: { severity: string; ruleId: string; message: string }[];
      }[];
      expect(reports).toHaveLength(files.length);
      const errors = reports.flatMap((report) => report.problems.filter((problem) => problem.severity === 'error'));
      expect(errors, run.stderr).toEqual([]);
      expect(run.code).toBe(0);
    }, 120_000);
  });

  it('has a POST path per stream and per dry-run route, and the public GET routes', () => {
    const document = documentOf(exampleTenant);
    const streams = Object.keys(exampleTenant.streams);
    for (const id of streams) {
      expect(document.paths[ingestPath(id)]?.post?.operationId).toBe(`ingest_${id}`);
      expect(document.paths[validatePath(id)]?.post?.operationId).toBe(`validate_${id}`);
    }
    for (const path of [HEALTH_PATH, OPENID_CONFIGURATION_PATH, JWKS_PATH, OPENAPI_PATH, DOCS_PATH]) {
      expect(document.paths[path]?.get?.security, path).toEqual([]);
    }
    expect(Object.keys(document.paths)).toHaveLength(streams.length * 2 + 5);
    expect(document.servers).toEqual([{ url: SERVER, description: 'tenant example' }]);
  });

  it("documents a webhook stream's signature header instead of a bearer token, on both of its routes", () => {
    const document = documentOf(exampleTenant);
    const scheme = document.components.securitySchemes.webhook_github;
    expect(scheme).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256' });
    expect(scheme?.description).toContain('HMAC-SHA256');
    for (const path of [ingestPath('github'), validatePath('github')]) {
      expect(document.paths[path]?.post?.security).toEqual([{ webhook_github: [] }]);
    }
    expect(document.paths[ingestPath('orders')]?.post?.security).not.toContainEqual({ webhook_github: [] });
  });

  it("lists 503 for a webhook stream's dry run (its secret may be unreadable), for no other dry run", () => {
    const document = documentOf(exampleTenant);
    expect(Object.keys(document.paths[validatePath('github')]?.post?.responses ?? {})).toContain('503');
    for (const id of ['orders', 'events', 'profiles']) {
      const statuses = Object.keys(document.paths[validatePath(id)]?.post?.responses ?? {});
      expect(statuses).toContain('400');
      expect(statuses).not.toContain('503');
      expect(statuses).not.toContain('504');
    }
  });

  it('lists no discovery routes for a tenant whose tokens come from another issuer', () => {
    const document = documentOf(kinesisTenant);
    expect(document.paths[OPENID_CONFIGURATION_PATH]).toBeUndefined();
    expect(document.paths[JWKS_PATH]).toBeUndefined();
    expect(document.components.securitySchemes[BEARER_SCHEME]?.description).toContain(
      'https://issuer.example.com/oauth2',
    );
  });

  it("asks for a bearer JWT with any one of the stream's scopes on both of its routes", () => {
    const document = documentOf(exampleTenant);
    expect(document.components.securitySchemes[BEARER_SCHEME]).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const path of [ingestPath('orders'), validatePath('orders')]) {
      expect(document.paths[path]?.post?.security).toEqual(
        routeScopes('orders').map((scope) => ({ [BEARER_SCHEME]: [scope] })),
      );
    }
  });

  it('takes each content type the stream takes, and only those', () => {
    const { requestBodies } = documentOf(exampleTenant).components;
    expect(Object.keys(requestBodies.orders?.content ?? {})).toEqual(['application/json']);
    expect(Object.keys(requestBodies.events?.content ?? {})).toEqual(['application/json', 'application/x-ndjson']);
    expect(Object.keys(requestBodies.profiles?.content ?? {})).toEqual(['application/xml', 'text/xml']);
    expect(requestBodies.profiles?.content['application/xml']?.schema).toMatchObject({ type: 'string' });
    expect(documentOf(exampleTenant).components.schemas[recordSchemaName('events')]).toMatchObject({
      type: 'object',
    });
  });

  it("publishes a stream's valibot schema as JSON Schema, with the stream's own checks", () => {
    const orders = documentOf(exampleTenant).components.schemas[recordSchemaName('orders')];
    expect(orders).toMatchObject({
      type: 'object',
      required: ['order_id', 'customer_id', 'amount', 'currency', 'placed_at'],
      properties: {
        order_id: { type: 'string', minLength: 1, maxLength: 64 },
        amount: { type: 'number', exclusiveMinimum: 0 },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        placed_at: { type: 'string', format: 'date-time', pattern: expect.stringMatching(/^\^\\d\{4\}-/) },
      },
    });
  });

  it('names a check JSON Schema cannot say in the description, and leaves out an example the stream refuses', () => {
    const tenant = defineTenant({
      tenant: 'checked',
      auth: { issuer: 'self' },
      streams: {
        pairs: {
          payload: 'json',
          schema: v.object({
            low: v.number(),
            high: v.pipe(
              v.number(),
              v.check((n) => n > 100, 'high must be over 100'),
            ),
            code: v.pipe(v.string(), v.regex(/^(?=x)x\d$/)),
            when: v.custom<string>((input) => typeof input === 'string'),
            mail: v.pipe(v.string(), v.email()),
            word: v.pipe(v.string(), v.regex(/^yes$/i)),
          }),
        },
      },
    });
    const document = documentOf(tenant);
    const pairs = document.components.schemas[recordSchemaName('pairs')] as { properties: Record<string, object> };
    expect(pairs.properties.high).toMatchObject({ description: 'Sluice also checks check: high must be over 100.' });
    expect(pairs.properties.when).toEqual({
      description: 'Sluice checks this value as a custom, which JSON Schema cannot say.',
    });
    expect(pairs.properties.mail).toMatchObject({ format: 'email', pattern: expect.stringMatching(/^\^.+@.+\$$/) });
    expect(pairs.properties.word).toEqual({ type: 'string', description: 'Must match /^yes$/i.' });
    expect(document.components.requestBodies.pairs?.content['application/json']).not.toHaveProperty('example');
  });

  it("takes a stream's example from its valibot schema when the config gives one", () => {
    const Signup = v.pipe(
      v.object({ email: v.pipe(v.string(), v.email()), plan: v.picklist(['free', 'team']) }),
      v.examples([{ email: 'grace@example.org', plan: 'team' }]),
    );
    const tenant = defineTenant({
      tenant: 'examples',
      auth: { issuer: 'self' },
      streams: { signups: { payload: 'json', schema: Signup, batch: true } },
    });
    const content = documentOf(tenant).components.requestBodies.signups?.content;
    expect(content?.['application/json']?.examples?.record?.value).toEqual({
      email: 'grace@example.org',
      plan: 'team',
    });
    expect(content?.['application/x-ndjson']?.example).toBe(
      '{"email":"grace@example.org","plan":"team"}\n{"email":"grace@example.org","plan":"team"}\n',
    );
  });

  it('publishes a recursive schema with its definitions as components, and stays valid', async () => {
    type Node = { name: string; children?: Node[] | undefined };
    const NodeSchema: v.GenericSchema<Node> = v.object({
      name: v.string(),
      children: v.optional(v.array(v.lazy(() => NodeSchema))),
    });
    const tenant = defineTenant({
      tenant: 'trees',
      auth: { issuer: 'self' },
      streams: { trees: { payload: 'json', schema: NodeSchema } },
    });
    const document = documentOf(tenant);
    const items = (document.components.schemas[recordSchemaName('trees')] as { properties: { children: object } })
      .properties.children;
    expect(items).toEqual({ type: 'array', items: { $ref: '#/components/schemas/trees_record_0' } });
    expect(document.components.schemas.trees_record_0).toMatchObject({ type: 'object', required: ['name'] });
    expect(await new Validator().validate(JSON.parse(JSON.stringify(document)))).toEqual({ valid: true });
  });

  it('documents the Content-Encoding and Idempotency-Key headers', () => {
    const operation = documentOf(exampleTenant).paths[ingestPath('orders')]?.post;
    const parameters = Object.fromEntries((operation?.parameters ?? []).map((p) => [p.name, p]));
    expect(parameters['Content-Encoding']).toMatchObject({
      in: 'header',
      required: false,
      schema: { enum: ['gzip', 'deflate', 'identity'] },
    });
    expect(parameters['Content-Encoding']?.description).toContain('decompressed');
    const keyPattern = new RegExp(String(parameters['Idempotency-Key']?.schema.pattern));
    expect(keyPattern.test('k'.repeat(255))).toBe(true);
    expect(keyPattern.test('k'.repeat(256))).toBe(false);
    expect(keyPattern.test('')).toBe(false);
    expect(keyPattern.test('naïve')).toBe(false);
    expect(operation?.responses['202']?.headers).toHaveProperty('Idempotent-Replayed');
    const dryRun = documentOf(exampleTenant).paths[validatePath('orders')]?.post;
    expect(dryRun?.parameters?.map((p) => p.name)).not.toContain('Idempotency-Key');
  });
});

describe('the document and the docs agree', () => {
  const streamRoutes = (document: OpenApiDocument) =>
    Object.entries(document.paths).filter(([path]) => path.startsWith('/stream/v0/data/'));

  it.each(cases)('every status of the contract is an answer of every stream route of tenant %s', async (_, tenant) => {
    const routes = streamRoutes(documentOf(tenant));
    expect(routes).toHaveLength(Object.keys(tenant.streams).length);
    for (const [path, item] of routes) {
      const answered = Object.keys(item.post?.responses ?? {}).map(Number);
      for (const row of CONTRACT_STATUSES) {
        if (row === CONTRACT_STATUS.validated) expect(answered, `${path} answers no dry run`).not.toContain(row.status);
        else expect(answered, `${path} answers ${row.status}`).toContain(row.status);
      }
    }
  });

  it.each(['README.md', 'docs/contract.md'])(
    "the status table of %s lists exactly the answers of a stream route and its dry run's 200",
    async (file) => {
      const document = documentOf(exampleTenant);
      const answered = Object.keys(document.paths[ingestPath('orders')]?.post?.responses ?? {}).map(Number);
      const dryRunOnly = CONTRACT_STATUS.validated.status;
      expect(await tableStatuses(file)).toEqual([dryRunOnly, ...answered].sort((a, b) => a - b));
    },
  );

  it('every dry-run route answers 200 instead of 202, and every 4xx of its stream route but the Idempotency-Key ones', () => {
    const document = documentOf(exampleTenant);
    const dryRun = Object.keys(document.paths[validatePath('orders')]?.post?.responses ?? {}).map(Number);
    expect(dryRun).toContain(200);
    expect(dryRun).not.toContain(CONTRACT_STATUS.accepted.status);
    const keyAnswers: readonly ContractStatus[] = [CONTRACT_STATUS.conflict, CONTRACT_STATUS.unprocessableContent];
    const clientErrors = CONTRACT_STATUSES.filter((row) => row.status >= 400 && row.status < 500);
    for (const row of clientErrors) {
      if (keyAnswers.includes(row)) expect(dryRun).not.toContain(row.status);
      else expect(dryRun).toContain(row.status);
    }
  });

  it("gives each function answer the problem+json body of its status's problem types, and each gateway answer {message}", () => {
    const document = documentOf(exampleTenant);
    const responses = document.paths[ingestPath('orders')]?.post?.responses ?? {};
    for (const row of CONTRACT_STATUSES.filter((r) => r.status >= 400)) {
      const content = responses[String(row.status)]?.content ?? {};
      expect(PROBLEM_CONTENT_TYPE in content, `${row.status} problem body`).toBe(row.source !== 'gateway');
      expect('application/json' in content, `${row.status} gateway body`).toBe(row.source !== 'function');
    }
  });

  it('every problem type that docs/contract.md lists is a type of its status in the document', async () => {
    const document = documentOf(exampleTenant);
    const text = await readFile(join(REPO_ROOT, 'docs/contract.md'), 'utf8');
    const listed = [...text.matchAll(/^\| `(urn:sluice:problem:[a-z-]+)` \| (\d{3}) \|/gm)].map((match) => ({
      uri: match[1],
      status: Number(match[2]),
    }));
    expect(listed.map((row) => row.uri)).toEqual(PROBLEM_TYPES.map((type) => problemType(type.slug)));
    for (const { status, uri } of listed) {
      const schema = document.components.schemas[`Problem${status}`] as { properties: { type: { enum: string[] } } };
      expect(schema.properties.type.enum).toContain(uri);
    }
  });
});
