/** Lambda entry of the discovery endpoints: middy wiring over {@link answerDiscovery}. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ENV } from '#shared/environment';
import { cachedKeySetReader } from '../key-store.ts';
import { answerDiscovery, DISCOVERY_CACHE_SECONDS } from './core.ts';

const issuer = process.env[ENV.issuerUrl] ?? '';
const secretId = process.env[ENV.signingKeySecret] ?? '';
const readKeySet = cachedKeySetReader(new SecretsManagerClient({}), secretId, DISCOVERY_CACHE_SECONDS * 1000);

/** GET /.well-known/openid-configuration and GET /.well-known/jwks.json. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler((event) =>
  answerDiscovery(event, { issuer, readKeySet }),
);
