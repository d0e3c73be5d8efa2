import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_PAYLOAD_LIMIT_BYTES } from '#local/gateway/gateway-responses';
import { defineTenant } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES, MAX_COMPRESSED_BODY_BYTES, validatePath } from '#shared/contract/contract';
import { landedRecordsIn } from './support/landed-records.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

/** Streams for the body path: a multi-record XML stream with its JSON projection, and a JSON one. */
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    people: { payload: 'xml', records: '/records/record', projection: 'json', deadLetter: true },
    events: { payload: 'json', batch: true, deadLetter: true },
  },
});

/** Amperity's own example of a document that carries two records. */
const AMPERITY =
  '<records><record><id>1</id><email>ada@example.com</email></record>' +
  '<record><id>2</id><email>grace@example.com</email></record></records>';

const dryRun = (local: TestServer, streamId: string, body: string | Uint8Array, headers: Record<string, string>) =>
  fetch(`${local.server.url}${validatePath(streamId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${local.token}`, ...headers },
    body,
  });

let local: TestServer;

beforeAll(async () => {
  local = await startTestServer({ tenant });
});

afterAll(async () => {
  await local.remove();
});

// The tests run in order: the last one stops the server and reads what landed.
describe('the ingest body path over HTTP against local mode', () => {
  it("answers dry runs with the stream route's checks and scope", async () => {
    const checked = await dryRun(local, 'people', AMPERITY, { 'content-type': 'application/xml' });
    expect(checked.status).toBe(200);
    expect(await checked.json()).toEqual({ valid: true, records: 2 });
    const refused = await dryRun(local, 'events', '[1]', { 'content-type': 'application/json' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: 'urn:sluice:problem:batch-rejected' });
    const gzipDryRun = await dryRun(local, 'events', gzipSync('{"a":1}\n{"b":2}'), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(await gzipDryRun.json()).toEqual({ valid: true, records: 2, rejected: [] });
    const otherStream = await local.server.createToken({ streams: ['events'] });
    const forbidden = await fetch(`${local.server.url}${validatePath('people')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherStream}`, 'content-type': 'application/xml' },
      body: AMPERITY,
    });
    expect(forbidden.status).toBe(403);
  });

  it("accepts Amperity's two-record document as two records", async () => {
    const people = await post(local.server, 'people', AMPERITY, { token: local.token, contentType: 'application/xml' });
    expect(people.status).toBe(202);
    expect(await people.json()).toMatchObject({ records: 2 });
  });

  it('accepts a gzip NDJSON batch', async () => {
    const events = await post(local.server, 'events', gzipSync('{"n":1}\n{"n":2}\n'), {
      token: local.token,
      contentType: 'application/x-ndjson',
      headers: { 'content-encoding': 'gzip' },
    });
    expect(events.status).toBe(202);
    expect(await events.json()).toMatchObject({ records: 2, accepted: 2, rejected: [] });
  });

  it("answers a gzip bomb and a body over the compressed cap with the function's 413, and one over 10 MB with the gateway's", async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    const bombed = await post(local.server, 'events', bomb, {
      token: local.token,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(bombed.status).toBe(413);
    expect(await bombed.json()).toMatchObject({
      compressed_size_bytes: bomb.byteLength,
      limit_bytes: DEFAULT_MAX_BYTES,
    });

    // Over the compressed cap but under the gateway's payload limit: still the function's 413.
    const padded = new Uint8Array(MAX_COMPRESSED_BODY_BYTES + 1);
    const overCap = await post(local.server, 'events', padded, {
      token: local.token,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(overCap.status).toBe(413);
    expect(await overCap.json()).toMatchObject({ compressed_limit_bytes: MAX_COMPRESSED_BODY_BYTES });
    // Over the gateway's own limit: the gateway answers, compressed or not.
    const huge = new Uint8Array(GATEWAY_PAYLOAD_LIMIT_BYTES + 1);
    const overGateway = await post(local.server, 'events', huge, {
      token: local.token,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(overGateway.status).toBe(413);
    expect(await overGateway.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('lands the accepted records, as CBOR items read back, and nothing of the dry runs, not even a dead letter', async () => {
    await local.stop();
    expect(await landedRecordsIn(local.home.s3, 'people')).toEqual([
      '{"record":{"id":"1","email":"ada@example.com"}}',
      '{"record":{"id":"2","email":"grace@example.com"}}',
    ]);
    expect(await landedRecordsIn(local.home.s3, 'events')).toEqual(['{"n":1}', '{"n":2}']);
    expect(await landedRecordsIn(local.home.s3, 'events', true)).toEqual([]);
    expect(await landedRecordsIn(local.home.s3, 'people', true)).toEqual([]);
  });
});
