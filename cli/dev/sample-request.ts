/** Requests that a stream accepts: the curl line that `sluice dev` prints, and `sluice verify`'s posts. */
import * as v from 'valibot';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { isWebhookStream } from '#shared/config/webhook-config';
import { CONTENT_TYPES } from '#shared/contract/contract';

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

/** A body that the stream accepts; undefined for a JSON stream whose schema takes none of the samples. */
export function streamSample(stream: StreamConfig, now = new Date()): SampleRequest | undefined {
  if (stream.payload === 'xml') return { stream, contentType: CONTENT_TYPES.xml[0], body: XML_SAMPLE };
  const schema = stream.schema;
  const body = candidates(now).find((candidate) => !schema || v.safeParse(schema, candidate).success);
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
