/** Lambda entry of the discovery endpoints: middy wiring over {@link answerDiscovery}. */
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ENV } from '#shared/contract/environment';
import { cachedJwksReader } from '../jwks-parameter.ts';
import { answerDiscovery, DISCOVERY_CACHE_SECONDS } from './core.ts';

const issuer = process.env[ENV.issuerUrl] ?? '';
const parameterName = process.env[ENV.jwksParameter] ?? '';
const readJwks = cachedJwksReader(new SSMClient({}), parameterName, DISCOVERY_CACHE_SECONDS * 1000);

/** GET /.well-known/openid-configuration and GET /.well-known/jwks.json. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler((event) =>
  answerDiscovery(event, { issuer, readJwks }),
);
