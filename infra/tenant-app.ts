/** Builds the CDK app of one tenant: feature flags, the tenant stack and cdk-nag. */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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

/** The app and its one stack. */
export function createTenantApp(
  tenant: LoadedTenant,
  options: TenantAppOptions = {},
): { app: App; stack: TenantStack } {
  const app = new App({ ...options.appProps, context: { ...FEATURE_FLAGS, ...options.appProps?.context } });
  const stack = new TenantStack(app, tenantStackName(tenant.config.tenant), { tenant });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
