/**
 * The tenant's OpenAPI 3.1 document, generated from its config: one path per stream and per
 * dry-run route, each with its request body per content type, every answer of the status
 * table, the bearer JWT with the stream's scopes, and the public GET routes. Served at
 * OPENAPI_PATH, rendered at DOCS_PATH, written by `sluice openapi`.
 */
import * as v from 'valibot';
import { isSelfIssuer, type StreamConfig, type TenantConfig } from '../config/tenant-config.ts';
import type { WebhookAuth } from '../config/webhook-config.ts';
import { hmacScheme } from '../config/webhook-schemes.ts';
import {
  CONTENT_TYPES,
  CONTRACT_STATUS,
  DOCS_PATH,
  HEALTH_PATH,
  ingestPath,
  JWKS_PATH,
  OPENAPI_PATH,
  OPENID_CONFIGURATION_PATH,
  validatePath,
} from '../contract/contract.ts';
import { MAX_BATCH_RECORDS } from '../contract/ingest-limits.ts';
import { xmlRecordsPathNames } from '../framing/xml-records.ts';
import { routeScopes, streamWriteScope, TENANT_WRITE_SCOPE } from '../tokens/token-claims.ts';
import { responseBodySchemas } from './openapi-components.ts';
import { EXAMPLE_TIMESTAMP, exampleOf } from './openapi-examples.ts';
import {
  contentEncodingParameter,
  type HeaderParameter,
  idempotencyKeyParameter,
  tenantHeaderParameters,
} from './openapi-headers.ts';
import { type JsonSchemaObject, recordJsonSchema } from './openapi-record-schema.ts';
import {
  dryRunResponses,
  ingestResponses,
  problemSchemas,
  type ResponseObject,
  schemaRef,
} from './openapi-responses.ts';

/** The OpenAPI version the document follows. */
export const OPENAPI_VERSION = '3.1.0';

/** Name of the bearer JWT scheme under `components.securitySchemes`. */
export const BEARER_SCHEME = 'bearerJwt';

/** One alternative of an operation's security: a scheme and the scopes it needs. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** A Media Type Object. */
export interface MediaTypeObject {
  readonly schema: JsonSchemaObject;
  readonly example?: unknown;
  readonly examples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
}

/** An Operation Object of the document. */
export interface OperationObject {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly security: readonly SecurityRequirement[];
  readonly parameters?: readonly HeaderParameter[];
  readonly requestBody?: { readonly $ref: string };
  readonly responses: Readonly<Record<string, ResponseObject>>;
}

/** A request body under `components.requestBodies`. */
export interface RequestBodyObject {
  readonly description: string;
  readonly required: true;
  readonly content: Readonly<Record<string, MediaTypeObject>>;
}

/** The OpenAPI 3.1 document of one tenant. */
export interface OpenApiDocument {
  readonly openapi: typeof OPENAPI_VERSION;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: readonly { readonly url: string; readonly description: string }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Partial<Record<'get' | 'post', OperationObject>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchemaObject>>;
    readonly requestBodies: Readonly<Record<string, RequestBodyObject>>;
    readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

/** What the document needs besides the config. */
export interface OpenApiOptions {
  /** The API's base URL: the stack's `ApiUrl`, or local mode's. */
  readonly serverUrl: string;
}

/**
 * The security of a stream's routes: a bearer JWT with any one of the route's scopes (each
 * alternative names one scope, as the HTTP API authorizer takes any one of them).
 */
function streamSecurity(stream: StreamConfig): SecurityRequirement[] {
  if (stream.auth) return [{ [webhookSchemeName(stream.id)]: [] }];
  return routeScopes(stream.id).map((scope) => ({ [BEARER_SCHEME]: [scope] }));
}

/** Name of a webhook stream's signature scheme under `components.securitySchemes`. */
function webhookSchemeName(streamId: string): string {
  return `webhook_${streamId}`;
}

/** A webhook stream's signature, as an API key in its header (OpenAPI has no HMAC scheme). */
function webhookScheme(stream: StreamConfig, auth: WebhookAuth): Record<string, string> {
  const scheme = hmacScheme(auth);
  const signs = {
    body: 'the raw body',
    'timestamp.body': '`<timestamp>.<body>`',
    'v0:timestamp:body': '`v0:<timestamp>:<body>`',
  };
  return {
    type: 'apiKey',
    in: 'header',
    name: scheme.header,
    description:
      `Stream ${stream.id} takes HMAC-signed webhooks instead of a JWT: \`${scheme.header}\` holds ` +
      `${scheme.prefix ? `\`${scheme.prefix}\` and ` : ''}the ${scheme.encoding} HMAC-${scheme.algorithm.toUpperCase()} ` +
      `of ${signs[scheme.signs]} with the stream's secret` +
      (scheme.timestamp ? `, within ${scheme.timestamp.toleranceSeconds} s of its signed timestamp` : '') +
      `. A missing or wrong signature is ${CONTRACT_STATUS.unauthorized.status} (docs/webhooks.md).`,
  };
}

/** Name of the record schema component of a stream. */
export function recordSchemaName(streamId: string): string {
  return `${streamId}_record`;
}

const SCHEMALESS_RECORD: JsonSchemaObject = {
  type: 'object',
  description: 'Any JSON object: this stream has no schema.',
};
const SCHEMALESS_EXAMPLE = { event: 'signup', user_id: 'u-42', at: EXAMPLE_TIMESTAMP };
const XML_RECORD = '<profile id="p-1"><name>Ada</name></profile>';

/** An XML body the stream takes; a stream with a `records` path gets two records under it. */
function xmlExample(stream: StreamConfig): string {
  const names = stream.records === undefined ? [] : xmlRecordsPathNames(stream.records);
  const record = names.at(-1);
  if (!record) return XML_RECORD;
  const records = ['Ada', 'Grace'].map((name, i) => `<${record} id="${i + 1}"><name>${name}</name></${record}>`);
  return names.slice(0, -1).reduceRight((inner, outer) => `<${outer}>${inner}</${outer}>`, records.join(''));
}

/** One record the stream takes, or undefined when none could be derived from its schema. */
function jsonExample(stream: StreamConfig, schema: JsonSchemaObject, components: Record<string, JsonSchemaObject>) {
  if (!stream.schema) return SCHEMALESS_EXAMPLE;
  const example = exampleOf(schema, components);
  // The stream's own check decides: an example it would refuse is left out.
  return example !== undefined && v.safeParse(stream.schema, example).success ? example : undefined;
}

function withExample(schema: JsonSchemaObject, example: unknown): MediaTypeObject {
  return example === undefined ? { schema } : { schema, example };
}

function requestBody(stream: StreamConfig, record: JsonSchemaObject, example: unknown): RequestBodyObject {
  const limits = `At most ${stream.maxBytes} bytes (decompressed), UTF-8 (a \`charset\` parameter must name UTF-8).`;
  if (stream.payload === 'xml') {
    const schema: JsonSchemaObject = {
      type: 'string',
      description: 'One XML document; no DOCTYPE or entity declarations.',
    };
    const body = xmlExample(stream);
    return {
      description: `An XML document. ${limits}`,
      required: true,
      content: Object.fromEntries(CONTENT_TYPES.xml.map((type) => [type, withExample(schema, body)])),
    };
  }
  if (!stream.batch) {
    return {
      description: `One JSON record. ${limits}`,
      required: true,
      content: { [CONTENT_TYPES.json[0]]: withExample(record, example) },
    };
  }
  const array: JsonSchemaObject = { type: 'array', items: record, minItems: 1, maxItems: MAX_BATCH_RECORDS };
  const json: MediaTypeObject = {
    schema: { anyOf: [record, array] },
    ...(example === undefined
      ? {}
      : {
          examples: {
            record: { summary: 'one record', value: example },
            batch: { summary: 'a batch of two records', value: [example, example] },
          },
        }),
  };
  const ndjson: MediaTypeObject = {
    schema: {
      type: 'string',
      description: `NDJSON: one record per line (each as the ${recordSchemaName(stream.id)} schema says), blank lines skipped.`,
    },
    ...(example === undefined ? {} : { example: `${JSON.stringify(example)}\n${JSON.stringify(example)}\n` }),
  };
  return {
    description:
      `One JSON record, or a batch of 1 to ${MAX_BATCH_RECORDS} records as a JSON array or NDJSON; ` +
      `a batch is answered with the records accepted and the ones rejected. ${limits}`,
    required: true,
    content: { [CONTENT_TYPES.json[0]]: json, [CONTENT_TYPES.ndjson[0]]: ndjson },
  };
}

function streamOperations(tenant: TenantConfig, stream: StreamConfig): Record<string, OperationObject> {
  const shared = {
    tags: [stream.id],
    security: streamSecurity(stream),
    requestBody: { $ref: `#/components/requestBodies/${stream.id}` },
  };
  const tenantHeaders = tenantHeaderParameters(tenant.tenant);
  const scopes = routeScopes(stream.id)
    .map((scope) => `\`${scope}\``)
    .join(' or ');
  return {
    [ingestPath(stream.id)]: {
      operationId: `ingest_${stream.id}`,
      summary: `Post records to ${stream.id}`,
      description:
        `Lands the body's records in stream ${stream.id}. 202 only after every accepted record was ` +
        `acknowledged downstream. ${stream.auth ? `Takes HMAC-signed webhooks (${hmacScheme(stream.auth).header}), not a token.` : `Needs a token with scope ${scopes}.`}`,
      parameters: [contentEncodingParameter(stream.maxBytes), idempotencyKeyParameter(), ...tenantHeaders],
      responses: ingestResponses(),
      ...shared,
    },
    [validatePath(stream.id)]: {
      operationId: `validate_${stream.id}`,
      summary: `Dry-run a post to ${stream.id}`,
      description:
        `Runs every check of ${ingestPath(stream.id)} (size, content type, parsing, schema, batch splitting) ` +
        `and writes nothing, not even a dead letter. ${stream.auth ? 'Signed as the stream route is.' : 'Same token and scopes as the stream.'}`,
      parameters: [contentEncodingParameter(stream.maxBytes), ...tenantHeaders],
      responses: dryRunResponses(stream.auth !== undefined),
      ...shared,
    },
  };
}

// Stream ids have no spaces, so this tag never collides with a stream's.
const PUBLIC_TAG = 'public routes';

function publicOperation(operationId: string, summary: string, content: Record<string, MediaTypeObject>) {
  return {
    get: {
      operationId,
      summary,
      description: `${summary}. No token needed; the public routes have their own throttle.`,
      tags: [PUBLIC_TAG],
      security: [],
      responses: {
        '200': { description: summary, content },
        [String(CONTRACT_STATUS.tooManyRequests.status)]: {
          description: 'throttled at the gateway. Retry later.',
          content: { [CONTENT_TYPES.json[0]]: { schema: schemaRef('GatewayError') } },
        },
      },
    } satisfies OperationObject,
  };
}

function publicPaths(tenant: TenantConfig): OpenApiDocument['paths'] {
  const json = (schema: JsonSchemaObject) => ({ [CONTENT_TYPES.json[0]]: { schema } });
  const discovery = isSelfIssuer(tenant.auth)
    ? {
        [OPENID_CONFIGURATION_PATH]: publicOperation(
          'openIdConfiguration',
          'The OpenID configuration of the API’s own token issuer',
          json({
            type: 'object',
            required: ['issuer', 'jwks_uri'],
            properties: { issuer: { type: 'string', format: 'uri' }, jwks_uri: { type: 'string', format: 'uri' } },
          }),
        ),
        [JWKS_PATH]: publicOperation(
          'jwks',
          'The public keys that sign the API’s tokens (JWKS)',
          json({ type: 'object', required: ['keys'], properties: { keys: { type: 'array' } } }),
        ),
      }
    : {};
  return {
    [HEALTH_PATH]: publicOperation(
      'health',
      'Liveness probe',
      json({ type: 'object', properties: { status: { type: 'string', const: 'ok' } } }),
    ),
    ...discovery,
    [OPENAPI_PATH]: publicOperation('openApiDocument', 'This OpenAPI document', json({ type: 'object' })),
    [DOCS_PATH]: publicOperation('apiReference', 'The API reference page that renders this document', {
      'text/html': { schema: { type: 'string' } },
    }),
  };
}

function bearerScheme(tenant: TenantConfig, serverUrl: string): Record<string, string> {
  const how = isSelfIssuer(tenant.auth)
    ? `Tokens come from this API's own issuer (${serverUrl}${OPENID_CONFIGURATION_PATH}): ` +
      '`sluice token create` locally, `sluice token create --stack <stack>` for a deployed stack.'
    : `Tokens come from ${tenant.auth.issuer}, with audience ${tenant.auth.audience.join(' or ')}.`;
  return {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      `${how} A stream's routes take scope \`${TENANT_WRITE_SCOPE}\` (every stream) or ` +
      `\`${streamWriteScope('<stream>')}\`.`,
  };
}

/** The OpenAPI 3.1 document of a tenant's API at `options.serverUrl`. */
export function openApiDocument(tenant: TenantConfig, options: OpenApiOptions): OpenApiDocument {
  const streams = Object.values(tenant.streams);
  const schemas: Record<string, JsonSchemaObject> = {};
  const requestBodies: Record<string, RequestBodyObject> = {};
  const paths: Record<string, Partial<Record<'get' | 'post', OperationObject>>> = {};
  for (const stream of streams) {
    if (stream.payload !== 'json') continue;
    const name = recordSchemaName(stream.id);
    const converted = stream.schema ? recordJsonSchema(stream.schema, name) : undefined;
    schemas[name] = converted?.schema ?? SCHEMALESS_RECORD;
    Object.assign(schemas, converted?.definitions);
  }
  for (const stream of streams) {
    const name = recordSchemaName(stream.id);
    const record = schemas[name] ?? SCHEMALESS_RECORD;
    const example = stream.payload === 'json' ? jsonExample(stream, record, schemas) : undefined;
    requestBodies[stream.id] = requestBody(stream, schemaRef(name), example);
    for (const [path, operation] of Object.entries(streamOperations(tenant, stream))) paths[path] = { post: operation };
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: `Sluice: tenant ${tenant.tenant}`,
      version: 'v0',
      description:
        `Ingest API of tenant ${tenant.tenant}. POST records to a stream's route with a bearer JWT; ` +
        'a 202 means every accepted record was acknowledged downstream. Errors from Sluice are ' +
        '`application/problem+json` (RFC 9457); errors from the gateway itself are `{"message": …}`. ' +
        'Each stream also has a dry-run route that runs every check and writes nothing.',
    },
    servers: [{ url: options.serverUrl, description: `tenant ${tenant.tenant}` }],
    tags: [
      ...streams.map((stream) => ({
        name: stream.id,
        description:
          stream.payload === 'xml'
            ? 'XML stream: one document per post.'
            : `JSON stream${stream.schema ? ' with a schema' : ', any JSON object'}${stream.batch ? '; takes batches' : ''}.`,
      })),
      { name: PUBLIC_TAG, description: 'Routes that need no token.' },
    ],
    paths: { ...paths, ...publicPaths(tenant) },
    components: {
      schemas: { ...schemas, ...responseBodySchemas(), ...problemSchemas() },
      requestBodies,
      securitySchemes: {
        [BEARER_SCHEME]: bearerScheme(tenant, options.serverUrl),
        ...Object.fromEntries(
          streams.flatMap((stream) =>
            stream.auth ? [[webhookSchemeName(stream.id), webhookScheme(stream, stream.auth)]] : [],
          ),
        ),
      },
    },
  };
}
