/** A request that a stream accepts, for the curl line that `sluice dev` prints. */
import * as v from 'valibot';
import { CONTENT_TYPES } from '#shared/contract';
import type { StreamConfig, TenantConfig } from '#shared/tenant-config';

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

/** The first stream (in config order) with a sample body that passes its schema. */
export function sampleRequest(tenant: TenantConfig, now = new Date()): SampleRequest | undefined {
  for (const stream of Object.values(tenant.streams)) {
    if (stream.payload === 'xml') continue;
    const schema = stream.schema;
    const body = candidates(now).find((candidate) => !schema || v.safeParse(schema, candidate).success);
    if (body) return { stream, contentType: CONTENT_TYPES.json[0], body: JSON.stringify(body) };
  }
  const xml = Object.values(tenant.streams).find((stream) => stream.payload === 'xml');
  return (
    xml && { stream: xml, contentType: CONTENT_TYPES.xml[0], body: '<profile id="p-1"><name>Ada</name></profile>' }
  );
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
