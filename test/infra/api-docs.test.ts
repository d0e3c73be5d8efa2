import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Stage } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTE_THROTTLE } from '#shared/contract/contract';
import { API_DOCS_PATHS, SCALAR_SCRIPT_ASSET, SCALAR_SCRIPT_MODULE } from '#shared/openapi/api-docs';
import { type SynthesizedTenant, synthTenant } from './synth-tenant.ts';

const FULL_TENANT = fileURLToPath(new URL('./fixtures/full-tenant.ts', import.meta.url));

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

let synth: SynthesizedTenant;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(async () => {
  synth = await synthTenant(FULL_TENANT);
  template = synth.template;
  resources = template.toJSON().Resources as Record<string, Resource>;
  // Bundling five functions takes a minute or more on a busy machine.
}, 240_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** The api-docs function's logical id and resource. */
function apiDocsFunction(): [string, Resource] {
  const found = ofType('AWS::Lambda::Function').filter(([, fn]) =>
    /OpenAPI document and docs page/.test(String(fn.Properties?.Description)),
  );
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** The docs routes by path. */
function docsRoutes(): Map<string, [string, Resource]> {
  const routes = new Map<string, [string, Resource]>();
  for (const [id, route] of ofType('AWS::ApiGatewayV2::Route')) {
    const key = String(route.Properties?.RouteKey);
    const path = API_DOCS_PATHS.find((candidate) => key === `GET ${candidate}`);
    if (path) routes.set(path, [id, route]);
  }
  return routes;
}

describe('the api-docs routes and function of stack Sluice-example', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(synth.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('serves GET /openapi.json, /docs and the script without an authorizer, through the api-docs function', () => {
    const [functionId] = apiDocsFunction();
    const routes = docsRoutes();
    expect([...routes.keys()].sort()).toEqual([...API_DOCS_PATHS].sort());
    for (const [, route] of routes.values()) {
      expect(route.Properties?.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(route.Properties?.AuthorizerId).toBeUndefined();
      const target = JSON.stringify(route.Properties?.Target);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1] ?? '';
      expect(JSON.stringify(resources[integrationId]?.Properties?.IntegrationUri)).toContain(functionId);
    }
  });

  it('gives each docs route the public route throttle, and creates the stage after the routes', () => {
    const [[stageId, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    const settings = stage.Properties?.RouteSettings as Record<string, unknown>;
    for (const [path, [routeId]] of docsRoutes()) {
      expect(settings[`GET ${path}`]).toEqual({
        ThrottlingRateLimit: PUBLIC_ROUTE_THROTTLE.rate,
        ThrottlingBurstLimit: PUBLIC_ROUTE_THROTTLE.burst,
      });
      expect(resources[stageId]?.DependsOn).toContain(routeId);
    }
  });

  it('runs the function on Node.js 24, arm64, with the house memory, timeout and source maps', () => {
    const [, fn] = apiDocsFunction();
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      Handler: 'index.handler',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: expect.anything() },
    });
  });

  it('lets the function write its own log group and nothing else', () => {
    const [, fn] = apiDocsFunction();
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement);
    expect(statements.map((statement) => statement.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
    expect(resources[roleId]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it("bundles the tenant's config and puts Scalar's bundle beside it, gzipped", () => {
    const [, fn] = apiDocsFunction();
    const assetHash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const assetDir = join(Stage.of(synth.stack)?.outdir ?? '', `asset.${assetHash}`);
    const sources = (JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] })
      .sources;
    expect(sources.some((source) => source.endsWith('fixtures/full-tenant.ts'))).toBe(true);
    expect(sources.some((source) => source.endsWith('functions/api-docs/api-docs-core.ts'))).toBe(true);
    const installed = readFileSync(createRequire(import.meta.url).resolve(SCALAR_SCRIPT_MODULE));
    expect(gunzipSync(readFileSync(join(assetDir, SCALAR_SCRIPT_ASSET))).equals(installed)).toBe(true);
    // The bundle itself stays small: Scalar is the asset beside it, not part of the code.
    expect(readFileSync(join(assetDir, 'index.mjs')).length).toBeLessThan(installed.length / 2);
  });
});
