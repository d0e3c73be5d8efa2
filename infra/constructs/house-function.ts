/**
 * The one way Sluice makes a Lambda function: Node.js 24 on arm64, bundled by the local
 * esbuild, its own role and log group with retention, and bind calls that set an env var
 * and grant least privilege together.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type ICommandHooks, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type DeliveryTarget, ENV, type StreamDeliveryBinding } from '#shared/contract/environment';
import { splitBundleCode } from '../function-bundling.ts';
import { acknowledgeWildcardResources } from '../nag-findings.ts';
import { repoPath } from '../paths.ts';
import {
  bundlingWithAliases,
  HOUSE_ARCHITECTURE,
  HOUSE_BUNDLING,
  HOUSE_LOG_RETENTION,
  HOUSE_MEMORY_MB,
  HOUSE_RUNTIME,
  HOUSE_TIMEOUT,
} from './house-function-defaults.ts';

/** Something the ingest function can deliver to: a target for its env var, and a grant of put rights. */
export interface DeliveryBindable {
  readonly target: DeliveryTarget;
  grantPut(grantee: iam.IGrantable): iam.Grant;
}

/** Props of {@link HouseFunction}. */
export interface HouseFunctionProps {
  /** Absolute path of the TypeScript entry that exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** Reserved concurrency; none when unset. */
  readonly reservedConcurrentExecutions?: number;
  /** esbuild module aliases (module → absolute path) on top of the house bundling. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Commands run around bundling, e.g. to put a file beside the bundle. */
  readonly commandHooks?: ICommandHooks;
  /**
   * Bundled into ESM chunks (infra/function-bundling.ts splitBundleCode), so that what the
   * entry imports only with `import()` loads when first needed instead of at cold start.
   */
  readonly splitChunks?: boolean;
}

/** A role for a function that may write its own log group and nothing else yet. */
export function functionRoleAndLogs(scope: Construct, id: string): { role: iam.Role; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: HOUSE_LOG_RETENTION });
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  // Instead of AWSLambdaBasicExecutionRole, which may write any log group in the account.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return { role, logGroup };
}

/** A Sluice Lambda function with the house defaults. */
export class HouseFunction extends NodejsFunction {
  private readonly deliveryTargets: Record<string, StreamDeliveryBinding> = {};

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const { role, logGroup } = functionRoleAndLogs(scope, id);
    super(scope, id, {
      entry: props.entry,
      // NodejsFunction takes our code as it is, with the handler named by its file.
      ...(props.splitChunks
        ? { code: splitBundleCode(props.entry, props.aliases ?? {}), handler: 'index.handler' }
        : { handler: 'handler' }),
      description: props.description,
      runtime: HOUSE_RUNTIME,
      architecture: HOUSE_ARCHITECTURE,
      memorySize: props.memorySize ?? HOUSE_MEMORY_MB,
      timeout: props.timeout ?? HOUSE_TIMEOUT,
      role,
      logGroup,
      projectRoot: repoPath(),
      depsLockFilePath: repoPath('package-lock.json'),
      bundling: {
        ...(props.aliases ? bundlingWithAliases(props.aliases) : HOUSE_BUNDLING),
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      // Stack traces point into the TypeScript sources instead of the minified bundle.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    });
  }

  /**
   * Binds a stream's delivery: its entry in {@link ENV.deliveryTargets} and the right to put
   * records there (and to its dead-letter stream and JSON projection), nothing more.
   */
  bindDeliveryStream(
    streamId: string,
    records: DeliveryBindable,
    deadLetter?: DeliveryBindable,
    jsonProjection?: DeliveryBindable,
  ): void {
    if (Object.keys(this.deliveryTargets).length === 0) {
      this.addEnvironment(
        ENV.deliveryTargets,
        Lazy.string({ produce: () => Stack.of(this).toJsonString(this.deliveryTargets) }),
      );
    }
    this.deliveryTargets[streamId] = {
      records: records.target,
      ...(deadLetter ? { deadLetter: deadLetter.target } : {}),
      // Only a flag: the function derives the name `<records>.json` (shared/delivery-bindings.ts).
      ...(jsonProjection ? { jsonProjection: true as const } : {}),
    };
    records.grantPut(this);
    deadLetter?.grantPut(this);
    jsonProjection?.grantPut(this);
  }

  /**
   * Lets the function read exactly these Secrets Manager secrets (webhook secrets, source
   * credentials): `secretsmanager:GetSecretValue` on each name's ARN, which ends in Secrets
   * Manager's random `-??????`. A secret under the AWS managed key needs nothing more; one under
   * a customer-managed key needs kms:Decrypt on that key, which the config does not name:
   * allowed on any key, but only through Secrets Manager and only for these secrets, and the
   * key's own policy must still allow this role (docs/deploy.md).
   */
  grantSecretsRead(names: readonly string[]): void {
    const sorted = [...new Set(names)].sort();
    if (sorted.length === 0) return;
    // What grantRead itself writes for a secret known by name: its partial ARN plus `-??????`.
    const arns = sorted.map(
      (name, index) => `${secretsmanager.Secret.fromSecretNameV2(this, `Secret${index}`, name).secretArn}-??????`,
    );
    iam.Grant.addToPrincipal({ grantee: this, actions: ['secretsmanager:GetSecretValue'], resourceArns: arns });
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': arns },
        },
      }),
    );
    if (this.role) {
      acknowledgeWildcardResources(
        this.role,
        ['*'],
        'kms:Decrypt of a secret under a customer-managed key that the config does not name, limited by kms:ViaService to Secrets Manager and by the encryption context to the named secrets.',
      );
    }
  }
}

/** Lambda timeout from a millisecond constant of the contract. */
export function timeoutFromMs(ms: number): Duration {
  return Duration.seconds(Math.floor(ms / 1000));
}
