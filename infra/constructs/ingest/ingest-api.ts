/**
 * The tenant's HTTP API: one `POST /stream/v0/data/<id>` route per stream, and its dry run
 * `POST /stream/v0/validate/<id>`, behind the JWT authorizer with the stream's scopes (a webhook
 * stream's routes have none: the function checks their HMAC signature), stage and route
 * throttling, `GET /health` without auth, and JSON access logs with retention in a vended-logs
 * group. Every public route has its own small throttle.
 */
import { Lazy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaBase from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { streamRouteThrottle } from '#shared/config/route-throttle';
import type { TenantConfig } from '#shared/config/tenant-config';
import { isWebhookStream } from '#shared/config/webhook-config';
import { HEALTH_PATH, ingestPath, PUBLIC_ROUTE_THROTTLE, validatePath } from '#shared/contract/contract';
import { routeScopes } from '#shared/tokens/token-claims';
import { functionRoleAndLogs } from '../house-function.ts';
import { HOUSE_ARCHITECTURE, HOUSE_LOG_RETENTION, HOUSE_RUNTIME } from '../house-function-defaults.ts';
import { ACCESS_LOG_FORMAT, accessLogGroupName } from './ingest-api-defaults.ts';

/** Who issues the tokens the authorizer accepts. */
export type ApiAuth =
  | { readonly issuer: 'self'; readonly audience: readonly string[] }
  | { readonly issuer: string; readonly audience: readonly string[] };

/** Props of {@link IngestApi}. */
export interface IngestApiProps {
  readonly tenant: TenantConfig;
  readonly ingestFunction: lambda.IFunction;
  readonly auth: ApiAuth;
}

// CfnStage types RouteSettings as raw JSON, so the keys are CloudFormation's own.
type RouteSetting = { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };

const HEALTH_CODE = `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: '{"status":"ok"}',
});`;

/** The HTTP API of one tenant. */
export class IngestApi extends Construct {
  /** The API. */
  public readonly api: apigw.HttpApi;
  /** The `$default` stage (routes at the root of the API URL). */
  public readonly stage: apigw.HttpStage;
  /** The issuer URL the authorizer trusts: the API's own URL for `self`. */
  public readonly issuer: string;
  /** The JWT authorizer of the ingest routes. */
  public readonly authorizer: HttpJwtAuthorizer;
  /** Access log group of the stage. */
  public readonly accessLogs: logs.LogGroup;
  /** Route key → throttle; read when the stage is synthesized, so routes added later count. */
  private readonly routeSettings: Record<string, RouteSetting> = {};
  /** Routes named in `routeSettings`: the stage must be created after them. */
  private readonly throttledRoutes: apigw.HttpRoute[] = [];
  private cfnStage: apigw.CfnStage | undefined;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const { tenant } = props;
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `sluice-${tenant.tenant}`,
      description: `Sluice ingest API of tenant ${tenant.tenant}`,
      createDefaultStage: false,
    });
    // The API's own endpoint, not the stage URL: no trailing slash, and no dependency on
    // routes or stage, so the authorizer can name it without a cycle.
    this.issuer = props.auth.issuer === 'self' ? this.api.apiEndpoint : props.auth.issuer;
    this.authorizer = new HttpJwtAuthorizer('TokenAuthorizer', this.issuer, {
      jwtAudience: [...props.auth.audience],
      identitySource: ['$request.header.Authorization'],
    });

    const ingest = new HttpLambdaIntegration('Ingest', props.ingestFunction, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    for (const stream of Object.values(tenant.streams)) {
      const signed = isWebhookStream(stream);
      // The stream's route and its dry run: the same function (which tells them apart by the
      // route key), authorizer, scopes and throttle.
      for (const path of [ingestPath(stream.id), validatePath(stream.id)]) {
        const [route] = this.api.addRoutes({
          path,
          methods: [apigw.HttpMethod.POST],
          integration: ingest,
          // A webhook sender signs its bodies and cannot send a JWT: the function verifies it.
          ...(signed ? {} : { authorizer: this.authorizer, authorizationScopes: routeScopes(stream.id) }),
        });
        if (route && signed) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `POST ${path} takes HMAC-signed webhooks (auth.type hmac): the ingest function verifies each post's signature with the stream's secret before reading it (docs/webhooks.md).`,
          });
        }
        // Unauthenticated webhook routes get their own low default instead of the stage's.
        if (route && (stream.throttle || signed))
          this.throttle(route, `POST ${path}`, streamRouteThrottle(stream, tenant));
      }
    }

    this.addPublicRoute(
      HEALTH_PATH,
      new HttpLambdaIntegration('Health', this.healthFunction()),
      'a liveness probe for monitors; it returns a constant and reaches no data',
    );

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: accessLogGroupName(this.api.apiId),
      retention: HOUSE_LOG_RETENTION,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: tenant.throttle.rate, burstLimit: tenant.throttle.burst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    this.cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    this.cfnStage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length > 0 ? this.routeSettings : undefined),
    });
    for (const route of this.throttledRoutes) this.cfnStage.node.addDependency(route);
  }

  /** Gives one route its own throttle in the stage's route settings. */
  private throttle(route: apigw.HttpRoute, routeKey: string, limits: { rate: number; burst: number }): void {
    this.routeSettings[routeKey] = { ThrottlingRateLimit: limits.rate, ThrottlingBurstLimit: limits.burst };
    // Route settings name routes by key; CloudFormation must create the routes first.
    if (this.cfnStage) this.cfnStage.node.addDependency(route);
    else this.throttledRoutes.push(route);
  }

  /**
   * Adds a `GET` route that answers without a token, throttled by {@link PUBLIC_ROUTE_THROTTLE}.
   * Only the health check, the issuer's discovery documents and the API's self-description
   * (infra/constructs/ingest/api-docs.ts) are public; each says why.
   */
  addPublicRoute(path: string, integration: apigw.HttpRouteIntegration, why: string): apigw.HttpRoute {
    const [route] = this.api.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration });
    if (!route) throw new Error(`no route was made for ${path}`);
    Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `GET ${path} is public by design: ${why}.` });
    this.throttle(route, `GET ${path}`, PUBLIC_ROUTE_THROTTLE);
    return route;
  }

  /**
   * HTTP APIs have no mock integrations, so health is a 128 MB inline function: no
   * bundling, no dependencies, and it proves that the API can invoke Lambda.
   */
  private healthFunction(): lambda.IFunction {
    const { role, logGroup } = functionRoleAndLogs(this, 'HealthFunction');
    return new lambdaBase.Function(this, 'HealthFunction', {
      description: 'Sluice GET /health',
      runtime: HOUSE_RUNTIME,
      architecture: HOUSE_ARCHITECTURE,
      memorySize: 128,
      handler: 'index.handler',
      code: lambdaBase.Code.fromInline(HEALTH_CODE),
      role,
      logGroup,
    });
  }
}
