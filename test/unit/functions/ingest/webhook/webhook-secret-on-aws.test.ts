import { createHmac } from 'node:crypto';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsIngestHandler } from '#functions/ingest/create-aws-ingest-handler';
import { SECRET_FAILURE_MAX_AGE_MS } from '#functions/shared/secrets-manager-reader';
import { ENV } from '#shared/contract/environment';
import { problemType } from '#shared/contract/errors';
import tenant from '#tenants/example';
import { bodyOf, ingestEvent, lambdaContext } from '../ingest-fixtures.ts';

const firehose = mockClient(FirehoseClient);
const secretsManager = mockClient(SecretsManagerClient);

const SECRET = 'a-webhook-secret-value';
const PING = '{"zen":"Design for failure.","hook_id":1}';
const targets = Object.fromEntries(
  Object.keys(tenant.streams).map((id) => [id, { records: { kind: 'firehose', name: `${id}-fh` } }]),
);
const deadLetters = Object.fromEntries(
  Object.values(tenant.streams)
    .filter((stream) => stream.deadLetter)
    .map((stream) => [
      stream.id,
      {
        records: { kind: 'firehose', name: `${stream.id}-fh` },
        deadLetter: { kind: 'firehose', name: `${stream.id}-dlq` },
      },
    ]),
);

/** A GitHub delivery to the example tenant's github stream, as API Gateway hands it over (no authorizer). */
function githubDelivery() {
  const event = ingestEvent({
    stream: 'github',
    body: PING,
    headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(PING).digest('hex')}` },
  });
  delete event.headers.authorization;
  delete (event.requestContext as { authorizer?: unknown }).authorizer;
  return event;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  vi.stubEnv(ENV.deliveryTargets, JSON.stringify({ ...targets, ...deadLetters }));
  vi.stubEnv(ENV.idempotencyTable, 'idempotency-table');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '0' }] });
});

afterEach(() => {
  firehose.reset();
  secretsManager.reset();
  vi.unstubAllEnvs();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the ingest function on AWS, for a webhook stream whose secret was not created', () => {
  it('answers 503 naming the Secrets Manager secret and how to create it, and asks Secrets Manager once per period', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'github-webhook' })
      .rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
      );
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    const handler = createAwsIngestHandler(tenant);
    const answers = [];
    for (let post = 0; post < 5; post += 1) answers.push(await handler(githubDelivery(), lambdaContext()));
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503);
      expect(bodyOf(answer)).toMatchObject({
        type: problemType('webhook-secret-unavailable'),
        status: 503,
        detail:
          'Stream github cannot check webhook signatures until its secret is set: cannot read secret github-webhook ' +
          'from Secrets Manager (ResourceNotFoundException): create it in Secrets Manager under exactly this name ' +
          '(aws secretsmanager create-secret --name github-webhook --secret-string "$SECRET").',
      });
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    // Created now: seen once the failure's period ends, not before.
    secretsManager.on(GetSecretValueCommand, { SecretId: 'github-webhook' }).resolves({ SecretString: SECRET });
    vi.setSystemTime(Date.now() + SECRET_FAILURE_MAX_AGE_MS - 1);
    expect((await handler(githubDelivery(), lambdaContext())).statusCode).toBe(503);
    vi.setSystemTime(Date.now() + 1);
    expect((await handler(githubDelivery(), lambdaContext())).statusCode).toBe(202);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
