/**
 * The OpenAPI document and the ingest handler agree: records generated from a stream's
 * published JSON Schema are accepted (202) by the real handler, and so is every example the
 * document shows. The handler runs with API-Gateway-shaped events over an in-memory delivery.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { hmacScheme } from '#shared/config/webhook-schemes';
import { type OpenApiDocument, openApiDocument, recordSchemaName } from '#shared/openapi/openapi';
import type { JsonSchemaObject } from '#shared/openapi/openapi-record-schema';
import exampleTenant from '#tenants/example';
import queryTenant from '../../../e2e/fixtures/query-tenant.ts';
import analystTenant from '../../../infra/fixtures/analyst-tenant.ts';
import strictTenant from '../../cli/fixtures/strict-tenant.ts';
import { bodyOf, ingestHarness } from '../../functions/ingest/ingest-fixtures.ts';
import openApiTenant from '../fixtures/openapi-tenant.ts';
import { arbitraryOf } from '../support/json-schema-arbitrary.ts';

const TENANTS: readonly TenantConfig[] = [exampleTenant, openApiTenant, queryTenant, analystTenant, strictTenant];
const SERVER = 'https://api.example.test';

const WEBHOOK_SECRET = 'agreement-test-secret';

/** The signature header a webhook stream's sender would add (schemes that sign the body alone). */
function signatureHeaders(stream: StreamConfig | undefined, body: string): Record<string, string> {
  if (!stream?.auth) return {};
  const scheme = hmacScheme(stream.auth);
  if (scheme.signs !== 'body') throw new Error(`the agreement test signs body-only schemes, not ${scheme.signs}`);
  const digest = createHmac(scheme.algorithm, WEBHOOK_SECRET).update(body).digest(scheme.encoding);
  return { [scheme.header.toLowerCase()]: `${scheme.prefix}${digest}` };
}

// The handler checks the token's tenant claim; each tenant gets a token of its own, and a
// webhook stream's posts are signed as its sender would sign them.
function harnessFor(tenant: TenantConfig) {
  const { post, delivery } = ingestHarness({ tenant, webhookSecrets: { read: async () => WEBHOOK_SECRET } });
  return {
    delivery,
    post: (stream: string, contentType: string, body: string) =>
      post({
        stream,
        contentType,
        body,
        claims: { tenant: tenant.tenant, scope: 'sluice/write' },
        headers: signatureHeaders(tenant.streams[stream], body),
      }),
  };
}

function jsonStreams(tenant: TenantConfig) {
  return Object.values(tenant.streams).filter((stream) => stream.payload === 'json');
}

const schemaCases = TENANTS.flatMap((tenant) =>
  jsonStreams(tenant).map((stream) => [`${tenant.tenant}/${stream.id}`, tenant, stream.id] as const),
);

function recordSchema(document: OpenApiDocument, streamId: string): JsonSchemaObject {
  const schema = document.components.schemas[recordSchemaName(streamId)];
  if (!schema) throw new Error(`no record schema for ${streamId}`);
  return schema;
}

describe('the published JSON Schema of a stream', () => {
  it.each(schemaCases)('of %s describes only records the stream accepts with 202', async (_, tenant, streamId) => {
    const document = openApiDocument(tenant, { serverUrl: SERVER });
    const records = arbitraryOf(recordSchema(document, streamId), document.components.schemas);
    const { post } = harnessFor(tenant);
    await fc.assert(
      fc.asyncProperty(records, async (record) => {
        const response = await post(streamId, 'application/json', JSON.stringify(record));
        expect(response.statusCode, response.body).toBe(202);
      }),
      { numRuns: 60 },
    );
  });

  it('of a batch stream describes batches the stream accepts whole, as a JSON array and as NDJSON', async () => {
    const document = openApiDocument(openApiTenant, { serverUrl: SERVER });
    const records = arbitraryOf(recordSchema(document, 'reading-batches'), document.components.schemas);
    const { post } = harnessFor(openApiTenant);
    await fc.assert(
      fc.asyncProperty(fc.array(records, { minLength: 1, maxLength: 20 }), async (batch) => {
        const response = await post('reading-batches', 'application/json', JSON.stringify(batch));
        expect(response.statusCode, response.body).toBe(202);
        expect(bodyOf(response)).toMatchObject({ accepted: batch.length, rejected: [] });
        const ndjson = await post(
          'reading-batches',
          'application/x-ndjson',
          batch.map((r) => JSON.stringify(r)).join('\n'),
        );
        expect(ndjson.statusCode, ndjson.body).toBe(202);
        expect(bodyOf(ndjson)).toMatchObject({ accepted: batch.length, rejected: [] });
      }),
      { numRuns: 30 },
    );
  });

  it('finds a record the stream refuses once the schema is looser than the stream (the test can fail)', async () => {
    const document = openApiDocument(exampleTenant, { serverUrl: SERVER });
    const orders = recordSchema(document, 'orders');
    const properties = orders.properties as Record<string, JsonSchemaObject>;
    // Drop `amount > 0`: the generator now posts amounts the orders stream refuses.
    const { exclusiveMinimum: _dropped, ...amount } = properties.amount ?? {};
    const loosened = { ...orders, properties: { ...properties, amount } };
    const { post } = harnessFor(exampleTenant);
    const result = await fc.check(
      fc.asyncProperty(arbitraryOf(loosened, document.components.schemas), async (record) => {
        const response = await post('orders', 'application/json', JSON.stringify(record));
        return response.statusCode === 202;
      }),
      { numRuns: 200 },
    );
    expect(result.failed).toBe(true);
  });
});

const exampleCases = TENANTS.flatMap((tenant) =>
  Object.values(tenant.streams).map((stream) => [`${tenant.tenant}/${stream.id}`, tenant, stream.id] as const),
);

describe('the documented examples', () => {
  it.each(exampleCases)('of %s are each accepted with 202', async (_, tenant, streamId) => {
    const document = openApiDocument(tenant, { serverUrl: SERVER });
    const body = document.components.requestBodies[streamId];
    const { post } = harnessFor(tenant);
    let posted = 0;
    for (const [contentType, media] of Object.entries(body?.content ?? {})) {
      const values = [
        ...(media.example === undefined ? [] : [media.example]),
        ...Object.values(media.examples ?? {}).map((example) => example.value),
      ];
      expect(values.length, `${streamId} ${contentType} has an example`).toBeGreaterThan(0);
      for (const value of values) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const response = await post(streamId, contentType, text);
        expect(response.statusCode, `${contentType}: ${response.body}`).toBe(202);
        posted += 1;
      }
    }
    expect(posted).toBeGreaterThan(0);
  });
});
