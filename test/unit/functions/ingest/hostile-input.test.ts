import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineTenant } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES, MAX_RECORD_BYTES } from '#shared/contract/contract';
import { Order } from '#tenants/example';
import { bodyOf, ingestHarness } from './ingest-fixtures.ts';

/** The example tenant's streams with the largest body limit, so that 100,000-deep bodies fit. */
const roomyTenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    orders: { payload: 'json', schema: Order, deadLetter: true, maxBytes: MAX_RECORD_BYTES },
    events: { payload: 'json', batch: true, maxBytes: MAX_RECORD_BYTES },
    profiles: { payload: 'xml', maxBytes: MAX_RECORD_BYTES },
  },
});

/** A JSON object of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const shell = '{"pad":""}';
  return `{"pad":"${'x'.repeat(bytes - shell.length)}"}`;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>`;

const EXTERNAL_ENTITY = `<?xml version="1.0"?>
<!DOCTYPE profile [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<profile>&xxe;</profile>`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hostile input', () => {
  it('accepts a body of exactly 260,096 bytes and answers 413 at 260,097', async () => {
    const { delivery, post } = ingestHarness();
    const exact = jsonOfSize(DEFAULT_MAX_BYTES);
    expect(Buffer.byteLength(exact)).toBe(DEFAULT_MAX_BYTES);
    expect((await post({ body: exact })).statusCode).toBe(202);
    const over = await post({ body: jsonOfSize(DEFAULT_MAX_BYTES + 1) });
    expect(over.statusCode).toBe(413);
    expect(bodyOf(over)).toMatchObject({ limit_bytes: DEFAULT_MAX_BYTES, size_bytes: DEFAULT_MAX_BYTES + 1 });
    expect(delivery.batches).toHaveLength(1);
  });

  it('measures base64 bodies on their decoded bytes', async () => {
    const { post } = ingestHarness();
    const exact = Buffer.from(jsonOfSize(DEFAULT_MAX_BYTES)).toString('base64');
    expect(exact.length).toBeGreaterThan(DEFAULT_MAX_BYTES);
    expect((await post({ body: exact, isBase64Encoded: true })).statusCode).toBe(202);
    const over = Buffer.from(jsonOfSize(DEFAULT_MAX_BYTES + 1)).toString('base64');
    expect((await post({ body: over, isBase64Encoded: true })).statusCode).toBe(413);
  });

  it('counts multi-byte characters as bytes, not characters', async () => {
    const { post } = ingestHarness();
    const body = `{"p":"${'é'.repeat(DEFAULT_MAX_BYTES / 2)}"}`;
    expect(body.length).toBeLessThan(DEFAULT_MAX_BYTES);
    expect((await post({ body })).statusCode).toBe(413);
  });

  it('refuses billion-laughs XML with 400 before any entity is expanded', async () => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body: BILLION_LAUGHS });
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).detail)).toContain('DOCTYPE');
    expect(delivery.batches).toHaveLength(0);
  });

  it('refuses an external entity with 400', async () => {
    const { post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body: EXTERNAL_ENTITY });
    expect(response.statusCode).toBe(400);
  });

  it.each([
    [
      'a DOCTYPE hidden behind `<?` in an attribute',
      '<a b="<?"><!DOCTYPE a [<!ENTITY x "EXPANDED">]><c>&x;</c><d e="?>"/></a>',
    ],
    ['an undeclared entity hidden behind `<!--` in an attribute', '<a b="<!--"><c>&x;</c><d e="-->"/></a>'],
    ['a non-character reference hidden behind `<![CDATA[`', '<a b="<![CDATA["><c>&#xFFFE;</c><d e="]]>"/></a>'],
  ])('refuses %s with 400 and stores nothing', async (_, body) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body });
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).detail)).toContain('attribute value');
    expect(delivery.batches).toHaveLength(0);
  });

  it('refuses a reference to an undeclared entity with 400', async () => {
    const { post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'text/xml', body: '<p>&nbsp;</p>' });
    expect(response.statusCode).toBe(400);
  });

  it.each([
    ['arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['objects', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ['unclosed arrays', '['.repeat(100_000)],
  ])('answers 400 for JSON %s nested 100,000 deep', async (_, body) => {
    const { post } = ingestHarness({ tenant: roomyTenant });
    for (const stream of ['events', 'orders']) {
      const response = await post({ stream, body });
      expect(response.statusCode).toBe(400);
    }
    const batch = await post({ contentType: 'application/x-ndjson', body: `{"ok":1}\n${body}\n` });
    expect(batch.statusCode).toBe(202);
    expect(bodyOf(batch)).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] });
  });

  it('answers 400 for XML nested 100,000 deep', async () => {
    const { post } = ingestHarness({ tenant: roomyTenant });
    const body = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body });
    expect(response.statusCode).toBe(400);
  });

  it('answers 400 for XML element names that could pollute prototypes', async () => {
    const { post } = ingestHarness();
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const response = await post({
        stream: 'profiles',
        contentType: 'application/xml',
        body: `<p><${name}>x</${name}></p>`,
      });
      expect(response.statusCode).toBe(400);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('accepts XML elements nested 256 deep and answers 400 at 257, as for JSON', async () => {
    const { post } = ingestHarness();
    const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    expect((await post({ stream: 'profiles', contentType: 'application/xml', body: nested(256) })).statusCode).toBe(
      202,
    );
    const deeper = await post({ stream: 'profiles', contentType: 'application/xml', body: nested(257) });
    expect(deeper.statusCode).toBe(400);
    expect(String(bodyOf(deeper).detail)).toContain('deeper than 256');
  });

  it.each([
    ['text', '<a/>trailing'],
    ['a second root element', '<a/><b/>'],
    ['a repeated root element', '<a>1</a><a>2</a>'],
  ])('answers 400 for %s after the XML root element and stores nothing', async (_, body) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body });
    expect(response.statusCode).toBe(400);
    expect(delivery.batches).toHaveLength(0);
  });

  it('accepts comments and processing instructions after the XML root element', async () => {
    const { post } = ingestHarness();
    const body = '<?xml version="1.0"?>\n<a x=">">1</a>\n<!-- done --><?pi x?>\n';
    expect((await post({ stream: 'profiles', contentType: 'application/xml', body })).statusCode).toBe(202);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('answers 400 for an XML attribute named %s', async (name) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body: `<p ${name}="x"/>` });
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).detail)).toContain('reserved');
    expect(delivery.batches).toHaveLength(0);
  });

  it.each([
    ['SYSTEM', '<!DOCTYPE p SYSTEM "http://example.test/p.dtd"><p/>'],
    ['PUBLIC', '<!DOCTYPE p PUBLIC "-//X//DTD P//EN" "p.dtd"><p/>'],
    ['internal-subset', '<!DOCTYPE p [ <!ELEMENT p (#PCDATA)> ]><p/>'],
    ['bare', '<!DOCTYPE x><x/>'],
  ])('answers 400 for a %s DOCTYPE without any ENTITY', async (_, body) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ stream: 'profiles', contentType: 'application/xml', body });
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).detail)).toContain('DOCTYPE');
    expect(delivery.batches).toHaveLength(0);
  });

  it.each([
    ['two joined Content-Type headers', 'application/json, application/json'],
    ['a list of media types', 'application/json, text/plain'],
  ])('answers 415 for %s, saying what was received', async (_, contentType) => {
    const { delivery, post } = ingestHarness();
    const response = await post({ body: '{"a":1}', contentType });
    expect(response.statusCode).toBe(415);
    const detail = String(bodyOf(response).detail);
    expect(detail).toContain(contentType);
    expect(detail).not.toContain('is required');
    expect(delivery.batches).toHaveLength(0);
  });

  it('answers 400 for an XML declaration of another encoding and for UTF-16 bytes', async () => {
    const { post } = ingestHarness();
    const latin = await post({
      stream: 'profiles',
      contentType: 'application/xml',
      body: '<?xml version="1.0" encoding="ISO-8859-1"?><p>x</p>',
    });
    expect(latin.statusCode).toBe(400);
    const utf16 = Buffer.from('\ufeff{"a":1}', 'utf16le').toString('base64');
    expect((await post({ body: utf16, isBase64Encoded: true })).statusCode).toBe(400);
  });

  it('reads base64 bodies, dropping a UTF-8 byte order mark', async () => {
    const { delivery, post } = ingestHarness();
    const body = Buffer.from('\ufeff{"a":"é"}').toString('base64');
    expect((await post({ body, isBase64Encoded: true })).statusCode).toBe(202);
    expect(delivery.texts()).toEqual(['{"a":"é"}\n']);
  });

  it('answers 400 for NUL bytes and lone surrogates encoded as invalid UTF-8', async () => {
    const { post } = ingestHarness();
    const surrogate = Buffer.from([0x7b, 0x7d, 0xed, 0xa0, 0x80]).toString('base64');
    expect((await post({ body: surrogate, isBase64Encoded: true })).statusCode).toBe(400);
    expect((await post({ body: '{"a":1}\u0000' })).statusCode).toBe(400);
  });
});
