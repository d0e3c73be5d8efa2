/**
 * The webhook step of the ingest chain: a stream with `auth: { type: 'hmac' }` has no JWT
 * authorizer in front of it (on AWS or locally), so this middleware verifies the sender's
 * signature before anything else reads the request. Other streams pass untouched; everything
 * after authentication is the normal contract.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TenantConfig } from '#shared/config/tenant-config';
import { isWebhookStream } from '#shared/config/webhook-config';
import { hmacScheme } from '#shared/config/webhook-schemes';
import { WebhookSecretUnavailableError } from '#shared/contract/errors';
import { type SecretReader, SecretUnavailableError } from '#shared/pull/pull-run';
import { streamIdOf, toIngestRequest } from '../ingest-request.ts';
import { bodyBytes, findStream } from '../request-guards.ts';
import { readWebhookSecrets } from './webhook-secrets.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';

/** What the webhook step needs. */
export interface WebhookAuthenticationOptions {
  readonly tenant: TenantConfig;
  readonly secrets: SecretReader;
  /** The clock timestamps are judged by (tests set it). */
  readonly now?: () => Date;
}

/** Middy middleware that refuses an unsigned or badly signed post to a webhook stream with 401. */
export function webhookAuthentication(
  options: WebhookAuthenticationOptions,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2> {
  const now = options.now ?? (() => new Date());
  return {
    name: 'webhookAuthentication',
    before: async (request) => {
      // The route's path parameter first (streamIdOf reads the raw path only without one): a JWT
      // stream's post pays for nothing more here. An unknown stream is the core's 404, answered
      // the same way for every stream.
      const stream = findStream(options.tenant, streamIdOf(request.event));
      if (!isWebhookStream(stream)) return;
      const ingestRequest = toIngestRequest(request.event, request.context);
      const secrets = await readWebhookSecrets(options.secrets, stream.auth.secret).catch((error: unknown) => {
        // The operator's to fix, not the sender's: a 503 that names the secret, not an opaque 500.
        if (!(error instanceof SecretUnavailableError)) throw error;
        throw new WebhookSecretUnavailableError(
          `Stream ${stream.id} cannot check webhook signatures until its secret is set: ${error.message}.`,
          { cause: error },
        );
      });
      // The bytes as the sender signed them: base64 bodies decoded, text bodies re-encoded as
      // the UTF-8 that API Gateway decoded them from.
      verifyWebhookSignature(hmacScheme(stream.auth), secrets, {
        headers: ingestRequest.headers,
        body: bodyBytes(ingestRequest),
        now: now(),
      });
    },
  };
}
