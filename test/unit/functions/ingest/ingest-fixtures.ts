/** Payload-format-2.0 events, a Lambda context, a recording delivery and a captured logger for the ingest tests. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import type { TenantConfig } from '#shared/config/tenant-config';
import { ingestPath } from '#shared/contract/contract';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import type { SecretReader } from '#shared/pull/pull-run';
import exampleTenant from '#tenants/example';

/** A token-looking string that must never show up in a log line. */
export const BEARER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJ0ZW5hbnQiOiJleGFtcGxlIn0.c2VjcmV0LXNpZ25hdHVyZQ';

/** What a test may vary in an event. */
export interface EventOptions {
  readonly stream?: string;
  readonly body?: string;
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  readonly claims?: Record<string, string>;
  readonly pathParameters?: boolean;
}

/** An API Gateway HTTP API payload-format-2.0 event as the gateway (or local mode) builds it. */
export function ingestEvent(options: EventOptions = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const stream = options.stream ?? 'events';
  const headers: Record<string, string> = {
    authorization: `Bearer ${BEARER_TOKEN}`,
    host: 'api.example.test',
    ...(options.contentType === null ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    ...options.headers,
  };
  const rawPath = ingestPath(stream);
  return {
    version: '2.0',
    routeKey: `POST ${rawPath}`,
    rawPath,
    rawQueryString: '',
    headers,
    ...(options.pathParameters === false ? {} : { pathParameters: { streamId: stream } }),
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(options.body === undefined ? {} : { body: options.body }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `POST ${rawPath}`,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: options.claims ?? { tenant: 'example', scope: 'sluice/write' }, scopes: ['sluice/write'] },
      },
    },
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 28_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sluice-example-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sluice-example-ingest',
    memoryLimitInMB: '512',
    awsRequestId: 'lambda-req-1',
    logGroupName: '/aws/lambda/sluice-example-ingest',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A delivery that records every batch and can be told to fail. */
export class RecordingDelivery implements RecordDelivery {
  readonly batches: DeliveryBatch[] = [];
  failure: ((batch: DeliveryBatch) => Error | undefined) | undefined;

  async deliver(batch: DeliveryBatch): Promise<void> {
    this.batches.push(batch);
    const error = this.failure?.(batch);
    if (error) throw error;
  }

  /** The stored text of every delivered record of a channel. */
  texts(channel: DeliveryBatch['channel'] = 'records'): string[] {
    return this.batches
      .filter((batch) => batch.channel === channel)
      .flatMap((batch) => batch.records.map((record) => new TextDecoder().decode(record)));
  }
}

/** A logger whose output lines a test can read. */
export function capturedLogger(): { logger: Logger; lines: () => string[] } {
  const logger = new Logger({ serviceName: 'sluice-ingest-test', logLevel: 'DEBUG' });
  const output: string[] = [];
  const write = (chunk: unknown): boolean => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write);
  return { logger, lines: () => output.join('').split('\n').filter(Boolean) };
}

/** The parsed JSON body of a response. */
export function bodyOf(response: { body?: string | undefined }): Record<string, unknown> {
  return JSON.parse(response.body ?? 'null');
}

/** Settings of {@link ingestHarness}. */
export interface HarnessOptions {
  readonly tenant?: TenantConfig;
  readonly deliveryDeadlineMs?: number;
  readonly remainingMs?: number;
  /** Where webhook streams' secrets come from; default none. */
  readonly webhookSecrets?: SecretReader;
}

/** The real handler over a recording delivery and a captured logger, with a `post` that builds the event. */
export function ingestHarness(options: HarnessOptions = {}) {
  const delivery = new RecordingDelivery();
  const { logger, lines } = capturedLogger();
  const handler = createIngestHandler({
    tenant: options.tenant ?? exampleTenant,
    delivery,
    logger,
    ...(options.deliveryDeadlineMs === undefined ? {} : { deliveryDeadlineMs: options.deliveryDeadlineMs }),
    ...(options.webhookSecrets ? { webhookSecrets: options.webhookSecrets } : {}),
  });
  const post = (event: EventOptions) => handler(ingestEvent(event), lambdaContext(options.remainingMs));
  return { delivery, post, lines };
}
