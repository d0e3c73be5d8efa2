/** Builds the CDK app of one tenant: feature flags, the tenant stack and cdk-nag. */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseKeyReaderList } from '#shared/config/auth-config';
import { isSelfIssuer, TenantConfigError } from '#shared/config/tenant-config';
import type { LoadedTenant } from '#shared/config/tenant-loader';
import { tenantStackName } from '#shared/contract/stack-outputs';
import { TenantStack } from './stacks/tenant-stack.ts';

/** Feature flags Sluice relies on, set here so that tests and `cdk synth` agree. */
export const FEATURE_FLAGS = {
  // Server access logs delivered by bucket policy, not by the legacy log-delivery ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
} as const;

/** Options of {@link createTenantApp}. */
export interface TenantAppOptions {
  readonly appProps?: AppProps;
  /** Register cdk-nag AwsSolutions as a validation plugin (on for `cdk synth`). */
  readonly nag?: boolean;
}

/** The CDK context key of key readers given at deploy time: `-c keyReaders=<arn>,<arn>`. */
export const KEY_READERS_CONTEXT = 'keyReaders';

/**
 * The key readers of `-c keyReaders=<arn>,…` (a list from cdk.json or a test works too), each
 * checked like `auth.keyReaders`, so that the example deploys with one flag and no edit.
 */
export function contextKeyReaders(app: App, tenant: LoadedTenant): string[] {
  const value: unknown = app.node.tryGetContext(KEY_READERS_CONTEXT);
  if (value === undefined || value === '') return [];
  const { arns, problems } = parseKeyReaderList(
    Array.isArray(value) ? value : String(value),
    `-c ${KEY_READERS_CONTEXT}`,
  );
  const { tenant: name, auth } = tenant.config;
  if (arns.length > 0 && !isSelfIssuer(auth)) {
    problems.push(
      `-c ${KEY_READERS_CONTEXT}: tenant ${name} takes tokens from ${auth.issuer}, so it has no signing keys to read`,
    );
  }
  if (problems.length > 0) throw new TenantConfigError(name, problems);
  return arns;
}

/** The app and its one stack. */
export function createTenantApp(
  tenant: LoadedTenant,
  options: TenantAppOptions = {},
): { app: App; stack: TenantStack } {
  const app = new App({ ...options.appProps, context: { ...FEATURE_FLAGS, ...options.appProps?.context } });
  const stack = new TenantStack(app, tenantStackName(tenant.config.tenant), {
    tenant,
    extraKeyReaders: contextKeyReaders(app, tenant),
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
