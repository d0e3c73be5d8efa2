import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { defineTenant } from '#shared/config/tenant-config';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { DownstreamThrottledError, DownstreamUnavailableError } from '#shared/contract/errors';
import { parseDeliveryBindings } from '#shared/ports/delivery-bindings';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import { capturedLogger, ingestEvent, ingestHarness, lambdaContext } from './ingest-fixtures.ts';

const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    profiles: { payload: 'xml', projection: 'json' },
    plain: { payload: 'xml' },
    large: { payload: 'xml', projection: 'json', maxBytes: MAX_RECORD_BYTES },
  },
});

const PROFILE = '<profile id="18446744073709551615"><name>Ada &amp; co</name><tag>a</tag><tag>b</tag></profile>';
const xml = (stream: string) => ({ stream, body: PROFILE, contentType: 'application/xml' });

/** A delivery whose every call waits until the test settles it. */
class GatedDelivery implements RecordDelivery {
  readonly pending = new Map<DeliveryBatch['channel'], { resolve: () => void; reject: (error: Error) => void }>();

  deliver(batch: DeliveryBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(batch.channel, { resolve, reject });
    });
  }
}

function gatedHandler() {
  const delivery = new GatedDelivery();
  const { logger } = capturedLogger();
  const handler = createIngestHandler({ tenant, delivery, logger });
  let settled = false;
  const answer = handler(ingestEvent(xml('profiles')), lambdaContext()).finally(() => {
    settled = true;
  });
  return { delivery, answer, isSettled: () => settled };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

const firehoseMock = mockClient(FirehoseClient);

afterEach(() => {
  firehoseMock.reset();
  vi.restoreAllMocks();
});

describe("an XML stream with projection: 'json'", () => {
  it('delivers the CBOR item on the records channel and its JSON form on the json-projection channel', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    const response = await post(xml('profiles'));
    expect(response.statusCode).toBe(202);
    const [records] = delivery.batches.filter((batch) => batch.channel === 'records');
    expect(records?.records[0]?.[0]).toBe(0xa1); // a CBOR map of one entry: the root element
    expect(delivery.texts('json-projection')).toEqual([
      '{"profile":{"name":"Ada & co","tag":["a","b"],"@id":"18446744073709551615"}}\n',
    ]);
  });

  it('answers 202 only after both deliveries were acknowledged', async () => {
    const { delivery, answer, isSettled } = gatedHandler();
    await tick();
    expect([...delivery.pending.keys()].sort()).toEqual(['json-projection', 'records']);
    delivery.pending.get('records')?.resolve();
    await tick();
    expect(isSettled()).toBe(false);
    delivery.pending.get('json-projection')?.resolve();
    expect((await answer).statusCode).toBe(202);
  });

  it('answers 503 when the projection fails though the records were acknowledged', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    delivery.failure = (batch) =>
      batch.channel === 'json-projection' ? new DownstreamUnavailableError('firehose down') : undefined;
    expect((await post(xml('profiles'))).statusCode).toBe(503);
  });

  it('answers 429 when the records are throttled though the projection was acknowledged', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    delivery.failure = (batch) =>
      batch.channel === 'records' ? new DownstreamThrottledError('slow down', 1) : undefined;
    expect((await post(xml('profiles'))).statusCode).toBe(429);
  });

  it('delivers nothing on the json-projection channel for an XML stream without it', async () => {
    const { delivery, post } = ingestHarness({ tenant });
    expect((await post(xml('plain'))).statusCode).toBe(202);
    expect(delivery.batches.map((batch) => batch.channel)).toEqual(['records']);
  });

  it('puts the projection to the records stream name plus .json on AWS, from a binding that only flags it', async () => {
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });
    const bindings = parseDeliveryBindings(
      JSON.stringify({
        profiles: { records: { kind: 'firehose', name: 'sluice.example.profiles' }, jsonProjection: true },
      }),
    );
    const delivery = new AwsDelivery(
      { firehose: new FirehoseDelivery(new FirehoseClient({ region: 'eu-west-1' }), bindings) },
      bindings,
    );
    const { logger } = capturedLogger();
    const handler = createIngestHandler({ tenant, delivery, logger });
    expect((await handler(ingestEvent(xml('profiles')), lambdaContext())).statusCode).toBe(202);
    const names = firehoseMock.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input.DeliveryStreamName);
    expect(names.sort()).toEqual(['sluice.example.profiles', 'sluice.example.profiles.json']);
  });

  it('answers 202 when the JSON line is exactly the record limit and 413 at one byte more, though the XML is half that', async () => {
    // `{"a":"…"}\n` is 9 bytes around the text, and each `"` of the text doubles as `\"`.
    const document = (jsonBytes: number) => {
      const quotes = 500_000;
      return `<a>${'"'.repeat(quotes)}${'x'.repeat(jsonBytes - 9 - 2 * quotes)}</a>`;
    };
    const { delivery, post } = ingestHarness({ tenant });
    const atLimit = await post({ stream: 'large', body: document(MAX_RECORD_BYTES), contentType: 'application/xml' });
    expect(atLimit.statusCode).toBe(202);
    expect(delivery.batches.find((batch) => batch.channel === 'json-projection')?.records[0]?.byteLength).toBe(
      MAX_RECORD_BYTES,
    );
    const over = await post({ stream: 'large', body: document(MAX_RECORD_BYTES + 1), contentType: 'application/xml' });
    expect(over.statusCode).toBe(413);
  });
});
