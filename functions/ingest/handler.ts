/**
 * The AWS entry of the ingest function. The stack bundles this file once per tenant with two
 * esbuild aliases (infra/function-bundling.ts): `#tenant-config` to the tenant's config file, so
 * the config and its valibot schemas are in the bundle, and `#kinesis-route` to
 * functions/shared/kinesis-route.ts only when a stream uses Kinesis (else no-kinesis-route.ts), so other
 * bundles carry no Kinesis client. package.json maps both to the example tenant and the
 * Kinesis route for the type checker and for tests.
 */
import { kinesisRoute } from '#kinesis-route';
import tenant from '#tenant-config';
import { createAwsIngestHandler } from './create-aws-ingest-handler.ts';

/**
 * The Lambda handler: built at cold start, so a missing delivery target fails the init. The
 * branch folds away when bundling, leaving one call as if written for this tenant.
 */
export const handler = kinesisRoute ? createAwsIngestHandler(tenant, kinesisRoute) : createAwsIngestHandler(tenant);
