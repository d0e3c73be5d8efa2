/**
 * CDK entry: `cdk synth|deploy -c tenant=<name or path>` (default `example`) makes stack
 * `Sluice-<tenant>`. A missing or bad tenant config stops synthesis with a message naming it.
 */
import { TenantConfigError } from '#shared/config/tenant-config';
import { DEFAULT_TENANT, loadTenant, TenantSourceError } from '#shared/config/tenant-loader';
import { createTenantApp } from './tenant-app.ts';

const requested = process.env.CDK_CONTEXT_JSON
  ? (JSON.parse(process.env.CDK_CONTEXT_JSON) as { tenant?: unknown }).tenant
  : undefined;

try {
  const tenant = await loadTenant(typeof requested === 'string' && requested ? requested : DEFAULT_TENANT);
  createTenantApp(tenant).app.synth();
} catch (error) {
  if (error instanceof TenantSourceError || error instanceof TenantConfigError) {
    console.error(`sluice: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
