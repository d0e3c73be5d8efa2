/** Lambda entry of the key bootstrap custom resource: middy wiring over {@link ensureSigningKeySet}, retried while IAM propagates. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type BootstrapResult, ensureSigningKeySet } from './core.ts';
import { retryWhilePermissionsPropagate } from './permission-retry.ts';

const secrets = new SecretsManagerClient({});
const ssm = new SSMClient({});

/** onEvent handler for the CDK Provider framework. */
export const handler = middy<CloudFormationCustomResourceEvent, BootstrapResult>().handler((event) =>
  // The whole bootstrap is idempotent, so a call denied halfway can simply run again.
  retryWhilePermissionsPropagate(() => ensureSigningKeySet(event, secrets, ssm)),
);
