/**
 * The API's self-description on AWS: one small function, bundled with the tenant config and
 * Scalar's gzipped bundle, behind three public GET routes of the tenant's HTTP API (the
 * OpenAPI document, the docs page and its script), each under the public route throttle.
 * Its role may write its own logs and nothing else: everything it serves is in its bundle.
 */
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { API_DOCS_PATHS } from '#shared/openapi/api-docs';
import { API_DOCS_ENTRY, apiDocsAliases, apiDocsCommandHooks, gzippedScalarScript } from '../../function-bundling.ts';
import { HouseFunction } from '../house-function.ts';
import type { IngestApi } from './ingest-api.ts';

/** Props of {@link ApiDocs}. */
export interface ApiDocsProps {
  readonly tenant: string;
  /** The tenant's config file, bundled into the function. */
  readonly tenantFile: string;
  readonly api: IngestApi;
}

/** GET /openapi.json, /docs and the docs page's script. */
export class ApiDocs extends Construct {
  /** Serves the three routes. */
  public readonly function: HouseFunction;

  constructor(scope: Construct, id: string, props: ApiDocsProps) {
    super(scope, id);
    this.function = new HouseFunction(this, 'Function', {
      entry: API_DOCS_ENTRY,
      description: `Sluice ${props.tenant}: OpenAPI document and docs page`,
      aliases: apiDocsAliases(props.tenantFile),
      commandHooks: apiDocsCommandHooks(gzippedScalarScript()),
    });
    const integration = new HttpLambdaIntegration('ApiDocs', this.function);
    const why = 'it describes the API to the teams that call it (FastAPI-style /docs); it holds no data or secret';
    for (const path of API_DOCS_PATHS) props.api.addPublicRoute(path, integration, why);
  }
}
