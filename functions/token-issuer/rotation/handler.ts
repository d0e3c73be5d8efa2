/** Lambda entry of the key rotation: middy wiring over {@link rotateSigningKeySecret}. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { TENANT_DEFAULTS } from '#shared/config/tenant-config';
import { ENV } from '#shared/contract/environment';
import { rotateSigningKeySecret } from './core.ts';

const secrets = new SecretsManagerClient({});
const ssm = new SSMClient({});
const maxTokenDays = Number(process.env[ENV.maxTokenDays] ?? TENANT_DEFAULTS.maxTokenDays);
const jwksParameter = process.env[ENV.jwksParameter] ?? '';

/** Secrets Manager invokes this once per rotation step. */
export const handler = middy<SecretsManagerRotationEvent, void>().handler((event) =>
  rotateSigningKeySecret(event, secrets, ssm, { maxTokenDays, jwksParameter }),
);
