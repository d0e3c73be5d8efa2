/** Lambda entry of the key bootstrap custom resource: middy wiring over {@link ensureSigningKeySet}. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type BootstrapResult, ensureSigningKeySet } from './core.ts';

const client = new SecretsManagerClient({});

/** onEvent handler for the CDK Provider framework. */
export const handler = middy<CloudFormationCustomResourceEvent, BootstrapResult>().handler((event) =>
  ensureSigningKeySet(event, client),
);
