import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiDocsHandler } from '#functions/api-docs/create-api-docs-handler';
import { SCALAR_CONFIGURATION } from '#functions/api-docs/docs-page';
import { scalarScriptFromGzipFile } from '#functions/api-docs/scalar-script';
import {
  API_REFERENCE_SCRIPT_PATH,
  DOCS_PATH,
  ingestPath,
  OPENAPI_PATH,
  PROBLEM_CONTENT_TYPE,
} from '#shared/contract/contract';
import { problemType } from '#shared/contract/errors';
import { SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import exampleTenant from '#tenants/example';

/** Lambda's limit on a synchronous invocation's response, which API Gateway's answer goes through. */
const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

const DOMAIN = 'abc123.execute-api.eu-west-1.amazonaws.com';

/** An HTTP API payload-format-2.0 event of a public GET route (no authorizer). */
function getEvent(path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: DOMAIN, 'user-agent': 'test', ...headers },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: DOMAIN,
      domainPrefix: 'abc123',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'req-docs-1',
      routeKey: `GET ${path}`,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
    },
  };
}

const context = { getRemainingTimeInMillis: () => 10_000 } as Context;

/** A handler over a gzipped script file, as the function's asset holds it. */
function handlerWithScript(script: Buffer) {
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-api-docs-')), 'api-reference.js.gz');
  writeFileSync(file, gzipSync(script, { level: 9 }));
  const handler = createApiDocsHandler(exampleTenant, scalarScriptFromGzipFile(file));
  return (event: APIGatewayProxyEventV2) =>
    handler(event, context) as Promise<APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> }>;
}

const smallScript = Buffer.from('window.Scalar = { createApiReference() {} };\n'.repeat(50));
const call = handlerWithScript(smallScript);

describe('the api-docs function', () => {
  it('answers the OpenAPI document with the API URL the client called as its server and every stream', async () => {
    const answer = await call(getEvent(OPENAPI_PATH));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const document = JSON.parse(String(answer.body)) as { servers: { url: string }[]; paths: Record<string, unknown> };
    expect(document.servers).toMatchObject([{ url: `https://${DOMAIN}` }]);
    for (const id of Object.keys(exampleTenant.streams)) expect(document.paths).toHaveProperty([ingestPath(id)]);
  });

  it('answers the docs page: Scalar from our own origin, pointed at the document, with a CSP that allows no other origin', async () => {
    const answer = await call(getEvent(DOCS_PATH));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = String(answer.body);
    expect(page).toMatch(new RegExp(`<script src="${API_REFERENCE_SCRIPT_PATH}\\?v=[\\w-]+"></script>`));
    expect(page).toContain(`data-url="${OPENAPI_PATH}"`);
    expect(page).not.toMatch(/https?:\/\//);
    // No inline script runs: the CSP's script-src is only 'self'.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>[^<]+<\/script>/);
    const csp = answer.headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
  });

  it("configures Scalar to call none of Scalar's services: fonts, proxy, client button, toolbar, agent, telemetry", async () => {
    const page = String((await call(getEvent(DOCS_PATH))).body);
    const attribute = /data-configuration="([^"]*)"/.exec(page)?.[1] ?? '';
    const configuration = JSON.parse(attribute.replaceAll('&#34;', '"')) as Record<string, unknown>;
    expect(configuration).toEqual(SCALAR_CONFIGURATION);
    expect(configuration).toMatchObject({
      withDefaultFonts: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      telemetry: false,
      agent: { disabled: true },
    });
    expect(configuration).not.toHaveProperty('proxyUrl');
  });

  it('answers the script gzipped to a client that takes gzip, cacheable for a year under its versioned URL', async () => {
    const answer = await call(getEvent(API_REFERENCE_SCRIPT_PATH, { 'accept-encoding': 'gzip, deflate, br' }));
    expect(answer.statusCode).toBe(200);
    expect(answer.isBase64Encoded).toBe(true);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-encoding': 'gzip',
      vary: 'accept-encoding',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect(gunzipSync(Buffer.from(String(answer.body), 'base64'))).toEqual(smallScript);
  });

  it.each([
    ['no Accept-Encoding', {}],
    ['gzip refused with q=0', { 'accept-encoding': 'gzip;q=0, identity' }],
    ['another coding only', { 'accept-encoding': 'br' }],
  ])('answers the script plain with %s', async (_, headers: Record<string, string>) => {
    const answer = await call(getEvent(API_REFERENCE_SCRIPT_PATH, headers));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(Buffer.from(String(answer.body), 'base64')).toEqual(smallScript);
  });

  it("changes the page's script URL when the script changes, so that a year-long cache is never stale", async () => {
    const other = handlerWithScript(Buffer.from('window.Scalar = {};'));
    const url = async (handler: typeof call) =>
      /src="([^"]+)"/.exec(String((await handler(getEvent(DOCS_PATH))).body))?.[1];
    expect(await url(call)).toBe(await url(call));
    expect(await url(other)).not.toBe(await url(call));
  });

  it('answers 404 with the registered not-found problem type for a path it does not serve', async () => {
    const answer = await call(getEvent('/docs/other.js'));
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(JSON.parse(String(answer.body))).toEqual({
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: 'no public route serves GET /docs/other.js',
      request_id: 'req-docs-1',
    });
  });

  it("keeps both encodings of Scalar's real bundle under Lambda's 6 MB response limit", async () => {
    const real = readFileSync(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
    const callReal = handlerWithScript(real);
    for (const headers of [{ 'accept-encoding': 'gzip' }, {}]) {
      const answer = await callReal(getEvent(API_REFERENCE_SCRIPT_PATH, headers));
      expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    }
    const gzipped = await callReal(getEvent(API_REFERENCE_SCRIPT_PATH, { 'accept-encoding': 'gzip' }));
    // Gzipped it is well under a third of the plain size: what the browser downloads.
    expect(Buffer.from(String(gzipped.body), 'base64').length).toBeLessThan(real.length / 3);
  });
});
