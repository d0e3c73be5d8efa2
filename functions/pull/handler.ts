/**
 * The AWS entry of the pull function. The stack bundles this file once per tenant with the
 * ingest function's esbuild aliases (infra/function-bundling.ts): `#tenant-config` to the
 * tenant's config file, so its sources are in the bundle, and `#kinesis-route` to the
 * Kinesis route only when a source lands in a Kinesis stream, so other bundles carry no
 * Kinesis client. package.json maps both for the type checker and for tests.
 */
import { kinesisRoute } from '#kinesis-route';
import tenant from '#tenant-config';
import { createAwsPullHandler } from './create-aws-pull-handler.ts';

/** The Lambda handler, built at cold start: a missing table or delivery target fails the init. */
export const handler = createAwsPullHandler(tenant, kinesisRoute === undefined ? {} : { kinesisRoute });
