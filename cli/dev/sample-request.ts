/** Requests that a stream accepts: the curl line that `sluice dev` prints, and `sluice verify`'s posts. */
import { type JsonSchema, toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { isWebhookStream } from '#shared/config/webhook-config';
import { CONTENT_TYPES } from '#shared/contract/contract';
import { sampleFromJsonSchema } from './schema-sample.ts';

/** A body and its content type. */
export interface SampleRequest {
  readonly stream: StreamConfig;
  readonly contentType: string;
  readonly body: string;
}

function candidates(now: Date): unknown[] {
  return [
    {
      order_id: 'o-1001',
      customer_id: 'c-42',
      amount: 19.99,
      currency: 'EUR',
      placed_at: now.toISOString(),
      items: [{ sku: 'tea-green', qty: 2 }],
    },
    { event: 'signup', user_id: 'u-42', at: now.toISOString() },
  ];
}

const XML_SAMPLE = '<profile id="p-1"><name>Ada</name></profile>';

// Built from the stream's own schema, so that a custom tenant's stream gets a record of its own shape.
function fromSchema(schema: v.GenericSchema, now: Date): unknown {
  let jsonSchema: JsonSchema;
  try {
    jsonSchema = toJsonSchema(schema, { errorMode: 'ignore' });
  } catch {
    return undefined;
  }
  return sampleFromJsonSchema(jsonSchema, now);
}

/**
 * A body that the stream accepts: for a JSON stream with a schema, one built from that schema,
 * else a built-in one that passes it; for a JSON stream without a schema, a plain event.
 * Undefined for a JSON stream whose schema takes none of them.
 */
export function streamSample(stream: StreamConfig, now = new Date()): SampleRequest | undefined {
  if (stream.payload === 'xml') return { stream, contentType: CONTENT_TYPES.xml[0], body: XML_SAMPLE };
  const schema = stream.schema;
  const [order, event] = candidates(now);
  const tried = schema ? [fromSchema(schema, now), order, event] : [event];
  const body = tried.find(
    (candidate) => candidate !== undefined && (!schema || v.safeParse(schema, candidate).success),
  );
  return body === undefined ? undefined : { stream, contentType: CONTENT_TYPES.json[0], body: JSON.stringify(body) };
}

/** The first JSON stream (in config order) with a sample that passes its schema, else the first XML stream. */
export function sampleRequest(tenant: TenantConfig, now = new Date()): SampleRequest | undefined {
  const streams = Object.values(tenant.streams);
  // A webhook stream takes signed posts, not the bearer token of the curl line.
  const json = streams.filter((stream) => stream.payload === 'json' && !isWebhookStream(stream));
  for (const stream of json) {
    const sample = streamSample(stream, now);
    if (sample) return sample;
  }
  const xml = streams.find((stream) => stream.payload === 'xml' && !isWebhookStream(stream));
  return xml && streamSample(xml, now);
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A curl command line that posts the sample. */
export function curlLine(url: string, token: string, sample: SampleRequest): string {
  return [
    'curl',
    '-i',
    '-X',
    'POST',
    shellQuote(url),
    '-H',
    shellQuote(`authorization: Bearer ${token}`),
    '-H',
    shellQuote(`content-type: ${sample.contentType}`),
    '--data-binary',
    shellQuote(sample.body),
  ].join(' ');
}
