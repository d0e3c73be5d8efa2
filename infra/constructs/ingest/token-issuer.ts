/**
 * The self issuer: an RSA key set kept only in Secrets Manager (encrypted with its own
 * customer-managed key), made at deploy time by a custom resource, rotated on a schedule
 * with overlap, and published as OIDC discovery documents on the tenant's own API. The
 * public discovery function reads only an SSM parameter with the public JWKS, which the
 * bootstrap creates and the rotation rewrites; it has no access to the secret or its key.
 * The secret's resource policy and the key's policy deny reading the keys to every
 * principal but the issuer's functions and the config's `keyReaders` (ADR 0005).
 */
import { type CfnElement, CustomResource, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract/contract';
import { ENV } from '#shared/contract/environment';
import { JWKS_PARAMETER_MAX_KEYS, jwksParameterName, scheduledKeyCount } from '#shared/tokens/jwks-parameter';
import { acknowledgeWildcardResources, nagAttributeRef } from '../../nag-findings.ts';
import { repoPath } from '../../paths.ts';
import { HouseFunction } from '../house-function.ts';
import { HOUSE_LOG_RETENTION } from '../house-function-defaults.ts';
import type { IngestApi } from './ingest-api.ts';

/** Props of {@link TokenIssuer}. */
export interface TokenIssuerProps {
  readonly tenant: string;
  readonly api: IngestApi;
  /** Days between rotations. */
  readonly rotationDays: number;
  /** Longest token lifetime; retired public keys stay published this long. */
  readonly maxTokenDays: number;
  /** IAM role ARNs that may read the signing keys besides the issuer's own functions. */
  readonly keyReaders: readonly string[];
}

/** The JWKS parameter, which the key bootstrap creates and owns (see shared/tokens/jwks-parameter.ts). */
export interface JwksParameter {
  readonly parameterName: string;
  readonly parameterArn: string;
}

/** What reading and writing the key set take; the deny statements name exactly these. */
const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'];
const SECRET_WRITE_ACTIONS = ['secretsmanager:PutSecretValue'];

const issuerEntry = (name: string): string => repoPath('functions', 'token-issuer', name, 'handler.ts');

/** The self issuer of one tenant. */
export class TokenIssuer extends Construct {
  /** The key set: exactly `JSON.stringify(SigningKeySet)`. */
  public readonly secret: secretsmanager.Secret;
  /** The key that encrypts the secret; only the issuer's functions and the CLI's caller decrypt with it. */
  public readonly secretKey: kms.Key;
  /** The public JWKS (public keys only), which discovery serves. */
  public readonly jwksParameter: JwksParameter;
  /** Serves the OpenID configuration and the JWKS. */
  public readonly discoveryFunction: HouseFunction;
  /** Runs the Secrets Manager rotation. */
  public readonly rotationFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: TokenIssuerProps) {
    super(scope, id);
    const keys = scheduledKeyCount(props.rotationDays, props.maxTokenDays);
    if (keys > JWKS_PARAMETER_MAX_KEYS) {
      // Fail at synth rather than at the rotation that first outgrows the 4 KB parameter.
      throw new Error(
        `auth: rotationDays ${props.rotationDays} with maxTokenDays ${props.maxTokenDays} keeps ${keys} keys published; the JWKS parameter holds ${JWKS_PARAMETER_MAX_KEYS}: rotate less often or lower maxTokenDays`,
      );
    }
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

    // Standard tier (4 KB): a public RSA-2048 key takes about 455 bytes in the JWKS, so the
    // usual 2 or 3 keys take 1 to 1.4 KB; the functions refuse to publish past 4 KB (see
    // shared/tokens/jwks-parameter.ts). The bootstrap creates it, so no template
    // value can ever be written over the published keys.
    const parameterName = jwksParameterName(props.tenant);
    this.jwksParameter = {
      parameterName,
      parameterArn: Stack.of(this).formatArn({
        service: 'ssm',
        resource: 'parameter',
        resourceName: parameterName.slice(1),
      }),
    };

    this.discoveryFunction = new HouseFunction(this, 'Discovery', {
      entry: issuerEntry('discovery'),
      description: `Sluice ${props.tenant}: OpenID configuration and JWKS`,
      memorySize: 256,
      environment: { [ENV.issuerUrl]: props.api.issuer, [ENV.jwksParameter]: this.jwksParameter.parameterName },
    });
    this.grantParameter(this.discoveryFunction, 'ssm:GetParameter');
    const discovery = new HttpLambdaIntegration('Discovery', this.discoveryFunction);
    const why = 'the JWT authorizer and token verifiers fetch it without credentials; it holds public keys only';
    props.api.addPublicRoute(OPENID_CONFIGURATION_PATH, discovery, why);
    props.api.addPublicRoute(JWKS_PATH, discovery, why);

    this.rotationFunction = new HouseFunction(this, 'Rotation', {
      entry: issuerEntry('rotation'),
      description: `Sluice ${props.tenant}: signing key rotation`,
      timeout: Duration.seconds(30),
      environment: {
        [ENV.maxTokenDays]: String(props.maxTokenDays),
        [ENV.jwksParameter]: this.jwksParameter.parameterName,
      },
    });
    this.grantParameter(this.rotationFunction, 'ssm:PutParameter');
    const bootstrap = this.keyBootstrap(props.tenant);
    const schedule = this.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.rotationFunction,
      automaticallyAfter: Duration.days(props.rotationDays),
      // The bootstrap made the first key; rotating again at deploy would only shorten its life.
      rotateImmediatelyOnUpdate: false,
    });
    schedule.node.addDependency(bootstrap.resource);
    this.limitRotationInvokeToTheSecret();
    // When the parameter's name changes (as on stacks made when CloudFormation owned it), the
    // bootstrap's Update publishes the keys there; the discovery function must switch to it
    // only after that, or it could serve (and cache) an error and the authorizer would reject
    // every token.
    this.discoveryFunction.node.addDependency(bootstrap.resource);
    this.acknowledgeRotationGrants();
    this.moveRotationKeyGrantToItsRole();
    this.denyKeysToOthers([bootstrap.role, this.rotationFunction.role], props.keyReaders);
  }

  /**
   * The rotation schedule grants the rotation role the key in the key's policy, naming the role
   * as a principal: KMS refuses a key policy naming a role it cannot see yet, and a role made
   * in the same deploy is often invisible to it for seconds, so a first deploy in a new account
   * can fail there. The same grant goes to the role's own policy instead (the key policy's
   * account statement lets IAM grant it), and the key policy drops the statement at synth.
   */
  private moveRotationKeyGrantToItsRole(): void {
    const role = this.rotationFunction.role;
    if (!role) throw new Error('the rotation function has no role');
    this.rotationFunction.addToRolePolicy(
      new iam.PolicyStatement({
        // What Secrets Manager asks of the key to read and write a version: no wildcard actions.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.secretKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    const stack = Stack.of(this);
    const cfnKey = this.secretKey.node.defaultChild as kms.CfnKey;
    const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
    const policy: unknown = cfnKey.keyPolicy;
    cfnKey.keyPolicy = Lazy.any({
      produce: () => {
        const document = stack.resolve(policy) as { Statement: { Principal?: unknown }[] };
        const namesRole = (statement: { Principal?: unknown }) =>
          JSON.stringify(statement.Principal ?? null).includes(`"Fn::GetAtt":["${roleId}","Arn"]`);
        return { ...document, Statement: document.Statement.filter((statement) => !namesRole(statement)) };
      },
    });
  }

  /** Grants one SSM action on the JWKS parameter only. */
  private grantParameter(grantee: iam.IGrantable, ...actions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.jwksParameter.parameterArn] });
  }

  /**
   * IAM allows what any identity policy in the account allows, so `secretsmanager:GetSecretValue`
   * and `kms:Decrypt` on `*` would read the private keys. A deny in the secret's resource
   * policy and in the key policy overrides those, for every principal that is not one of
   * the issuer's roles or a configured key reader. Key administration is not denied, so an
   * account admin can still change the policies (an audited, deliberate act).
   */
  private denyKeysToOthers(roles: readonly (iam.IRole | undefined)[], keyReaders: readonly string[]): void {
    const allowed = [...roles.flatMap((role) => (role ? [role.roleArn] : [])), ...keyReaders];
    const othersOnly = { StringNotEquals: { 'aws:PrincipalArn': allowed } };
    this.secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenySigningKeysToOthers',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...SECRET_READ_ACTIONS, ...SECRET_WRITE_ACTIONS],
        resources: ['*'],
        conditions: othersOnly,
      }),
    );
    // Only Decrypt: CloudFormation needs GenerateDataKey to create the secret's placeholder.
    this.secretKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenySigningKeyDecryptToOthers',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: othersOnly,
      }),
    );
  }

  /**
   * The RotationSchedule lets Secrets Manager invoke the rotation function for any secret
   * in any account; only this secret's rotation may.
   */
  private limitRotationInvokeToTheSecret(): void {
    const permissions = this.rotationFunction.node.children.filter(
      (child): child is lambda.CfnPermission =>
        child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com',
    );
    if (permissions.length !== 1) throw new Error('expected one Secrets Manager invoke permission on the rotation');
    for (const permission of permissions) {
      permission.sourceArn = this.secret.secretArn;
      permission.sourceAccount = Stack.of(this).account;
    }
  }

  /**
   * A custom resource that writes the first key set during the deployment, so the key
   * exists when `cdk deploy` returns. Secrets Manager's `rotateImmediately` would also
   * make one, but asynchronously, after CloudFormation has already reported success.
   */
  private keyBootstrap(tenant: string): { resource: CustomResource; role: iam.IRole | undefined } {
    const fn = new HouseFunction(this, 'Bootstrap', {
      entry: issuerEntry('bootstrap'),
      description: `Sluice ${tenant}: first signing key at deploy time`,
      // Room for a minute of retries while a new account's IAM catches up (permission-retry.ts).
      timeout: Duration.seconds(90),
    });
    // Exactly the calls it makes: read the current set, put the first one, own the parameter.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: [...SECRET_READ_ACTIONS, ...SECRET_WRITE_ACTIONS],
      resourceArns: [this.secret.secretArn],
    });
    // In the role's policy, not the key's: KMS refuses a key policy naming a role it cannot see
    // yet, and a role created in the same deploy is often not visible to it for a few seconds.
    // The key policy's account statement lets IAM policies grant it.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.secretKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.grantParameter(fn, 'ssm:PutParameter', 'ssm:DeleteParameter');
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
    const resource = new CustomResource(this, 'FirstSigningKey', {
      serviceToken: provider.serviceToken,
      properties: {
        SecretId: this.secret.secretArn,
        JwksParameter: this.jwksParameter.parameterName,
        JwksDescription: `Sluice ${tenant}: public JWKS of the token issuer (owned by the key bootstrap, rewritten by rotation)`,
      },
    });
    return { resource, role: fn.role };
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
