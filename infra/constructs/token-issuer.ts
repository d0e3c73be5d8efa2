/**
 * The self issuer: an RSA key set kept only in Secrets Manager (encrypted with its own
 * customer-managed key), made at deploy time by a custom resource, rotated on a schedule
 * with overlap, and published as OIDC discovery documents on the tenant's own API.
 */
import { type CfnElement, CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract';
import { ENV } from '#shared/environment';
import { acknowledgeWildcardResources, nagAttributeRef } from '../nag-findings.ts';
import { repoPath } from '../paths.ts';
import { HouseFunction } from './house-function.ts';
import { HOUSE_LOG_RETENTION } from './house-function-defaults.ts';
import type { IngestApi } from './ingest-api.ts';

/** Props of {@link TokenIssuer}. */
export interface TokenIssuerProps {
  readonly tenant: string;
  readonly api: IngestApi;
  /** Days between rotations. */
  readonly rotationDays: number;
  /** Longest token lifetime; retired public keys stay published this long. */
  readonly maxTokenDays: number;
}

const issuerEntry = (name: string): string => repoPath('functions', 'token-issuer', name, 'handler.ts');

/** The self issuer of one tenant. */
export class TokenIssuer extends Construct {
  /** The key set: exactly `JSON.stringify(SigningKeySet)`. */
  public readonly secret: secretsmanager.Secret;
  /** The key that encrypts the secret; only the issuer's functions and the CLI's caller decrypt with it. */
  public readonly secretKey: kms.Key;
  /** Serves the OpenID configuration and the JWKS. */
  public readonly discoveryFunction: HouseFunction;
  /** Runs the Secrets Manager rotation. */
  public readonly rotationFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: TokenIssuerProps) {
    super(scope, id);
    this.secretKey = new kms.Key(this, 'SecretKey', {
      description: `Sluice ${props.tenant}: token signing keys`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFormation fills it with a random placeholder; the bootstrap below replaces that
    // with the first key set, so no key material ever appears in a template.
    this.secret = new secretsmanager.Secret(this, 'SigningKeys', {
      description: `Sluice ${props.tenant}: RSA signing keys of the token issuer (JSON key set)`,
      encryptionKey: this.secretKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.discoveryFunction = new HouseFunction(this, 'Discovery', {
      entry: issuerEntry('discovery'),
      description: `Sluice ${props.tenant}: OpenID configuration and JWKS`,
      memorySize: 256,
      environment: { [ENV.issuerUrl]: props.api.issuer, [ENV.signingKeySecret]: this.secret.secretName },
    });
    this.secret.grantRead(this.discoveryFunction);
    const discovery = new HttpLambdaIntegration('Discovery', this.discoveryFunction);
    const why = 'the JWT authorizer and token verifiers fetch it without credentials; it holds public keys only';
    props.api.addPublicRoute(OPENID_CONFIGURATION_PATH, discovery, why);
    props.api.addPublicRoute(JWKS_PATH, discovery, why);

    this.rotationFunction = new HouseFunction(this, 'Rotation', {
      entry: issuerEntry('rotation'),
      description: `Sluice ${props.tenant}: signing key rotation`,
      timeout: Duration.seconds(30),
      environment: { [ENV.maxTokenDays]: String(props.maxTokenDays) },
    });
    const bootstrap = this.keyBootstrap(props.tenant);
    const schedule = this.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.rotationFunction,
      automaticallyAfter: Duration.days(props.rotationDays),
      // The bootstrap made the first key; rotating again at deploy would only shorten its life.
      rotateImmediatelyOnUpdate: false,
    });
    schedule.node.addDependency(bootstrap);
    this.acknowledgeRotationGrants();
  }

  /**
   * A custom resource that writes the first key set during the deployment, so the key
   * exists when `cdk deploy` returns. Secrets Manager's `rotateImmediately` would also
   * make one, but asynchronously, after CloudFormation has already reported success.
   */
  private keyBootstrap(tenant: string): CustomResource {
    const fn = new HouseFunction(this, 'Bootstrap', {
      entry: issuerEntry('bootstrap'),
      description: `Sluice ${tenant}: first signing key at deploy time`,
      timeout: Duration.seconds(30),
    });
    this.secret.grantRead(fn);
    this.secret.grantWrite(fn);
    const providerRole = new iam.Role(this, 'BootstrapProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const providerLogs = new logs.LogGroup(this, 'BootstrapProviderLogs', { retention: HOUSE_LOG_RETENTION });
    providerLogs.grantWrite(providerRole);
    const provider = new cr.Provider(this, 'BootstrapProvider', {
      onEventHandler: fn,
      frameworkOnEventRole: providerRole,
      logGroup: providerLogs,
    });
    const providerPolicy = providerRole.node.tryFindChild('DefaultPolicy');
    acknowledgeWildcardResources(
      providerPolicy ?? providerRole,
      [`${nagAttributeRef(fn.node.defaultChild as CfnElement, 'Arn')}:*`],
      'The CDK Provider framework may invoke the bootstrap function and its versions; the function is named, only the version qualifier is a wildcard.',
    );
    return new CustomResource(this, 'FirstSigningKey', {
      serviceToken: provider.serviceToken,
      properties: { SecretId: this.secret.secretArn },
    });
  }

  /** The rotation schedule's own grants carry wildcards that IAM cannot narrow. */
  private acknowledgeRotationGrants(): void {
    const policy = this.rotationFunction.role?.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    acknowledgeWildcardResources(
      policy,
      ['*'],
      'Added by the CDK RotationSchedule: secretsmanager:GetRandomPassword has no resource type, so IAM accepts only "*" for it; it reads and changes nothing.',
    );
  }
}
