/** Lambda entry of the key rotation: middy wiring over {@link rotateSigningKeySecret}. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { ENV } from '#shared/environment';
import { TENANT_DEFAULTS } from '#shared/tenant-config';
import { rotateSigningKeySecret } from './core.ts';

const client = new SecretsManagerClient({});
const maxTokenDays = Number(process.env[ENV.maxTokenDays] ?? TENANT_DEFAULTS.maxTokenDays);

/** Secrets Manager invokes this once per rotation step. */
export const handler = middy<SecretsManagerRotationEvent, void>().handler((event) =>
  rotateSigningKeySecret(event, client, { maxTokenDays }),
);
