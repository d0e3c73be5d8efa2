import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyCompletions, SavedAnswers } from '#functions/ingest/idempotency/key-completions';
import { defineTenant } from '#shared/config/tenant-config';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: { events: { payload: 'json', batch: true } },
});
const dynamo = mockClient(DynamoDBClient);
const store = { client: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'keys' };
const answer = (key: string) => ({ streamId: 'events', key, digest: 'digest', answer: { statusCode: 202 } });

afterEach(() => dynamo.reset());

describe('completing journaled Idempotency-Key answers when their records land', () => {
  it('reads the key of an answer this process did not see saved, and leaves a missing key alone', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const completions = createKeyCompletions(tenant, store, new SavedAnswers());
    expect(await completions.complete([answer('k-1')])).toBe(0);
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('reads no key whose answer it saw saved, once; the same answer journaled again is read', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const saved = new SavedAnswers();
    saved.note(answer('k-2'));
    const completions = createKeyCompletions(tenant, store, saved);
    expect(await completions.complete([answer('k-2')])).toBe(0);
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(0);
    await completions.complete([answer('k-2')]);
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(1);
  });

  it('a saved answer of another body under the same key is still read', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const saved = new SavedAnswers();
    saved.note({ ...answer('k-3'), digest: 'another' });
    await createKeyCompletions(tenant, store, saved).complete([answer('k-3')]);
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(1);
  });
});
