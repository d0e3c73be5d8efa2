import cbor from 'cbor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '#shared/contract/errors';
import { parseXmlDocument } from '#shared/framing/xml-document';
import { xmlRefusal } from '#shared/framing/xml-guard';
import { frameXmlDocument } from '#shared/framing/xml-to-cbor';

/** Decodes with the independent `cbor` package, which knows nothing of cbor-x's extensions. */
function decode(bytes: Uint8Array): unknown {
  const items = cbor.decodeAllSync(Buffer.from(bytes));
  expect(items).toHaveLength(1);
  return items[0];
}

describe('XML to CBOR', () => {
  it('becomes one plain CBOR item that another decoder reads back, values as strings', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<profile id="007" active="true">
  <name>Ada &amp; Co &#65;&#x42;</name>
  <zip>01234</zip>
  <tag>a</tag><tag>b</tag>
  <note><![CDATA[<not-markup> & raw]]></note>
  <empty/>
</profile>`;
    expect(decode(frameXmlDocument(xml))).toEqual({
      profile: {
        '@id': '007',
        '@active': 'true',
        name: 'Ada & Co AB',
        zip: '01234',
        tag: ['a', 'b'],
        note: '<not-markup> & raw',
        empty: '',
      },
    });
  });

  it('writes no cbor-x record extension tags', () => {
    const bytes = frameXmlDocument('<r><a x="1">1</a><a x="2">2</a><a x="3">3</a></r>');
    expect(decode(bytes)).toEqual({
      r: {
        a: [
          { '@x': '1', '#text': '1' },
          { '@x': '2', '#text': '2' },
          { '@x': '3', '#text': '3' },
        ],
      },
    });
    expect(Buffer.from(bytes).includes(Buffer.from([0xd8, 0x69]))).toBe(false);
  });

  it('refuses DOCTYPE and entity declarations before parsing', () => {
    expect(xmlRefusal('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toContain('DOCTYPE');
    expect(xmlRefusal('<a>&x;</a>')).toContain('predefined');
    expect(xmlRefusal('<a><!-- <!DOCTYPE --><![CDATA[<!ENTITY &x;]]></a>')).toBeUndefined();
  });

  it.each([
    '<!DOCTYPE p SYSTEM "http://example.test/p.dtd"><p/>',
    '<!DOCTYPE p PUBLIC "-//X//DTD P//EN" "p.dtd"><p/>',
    '<!DOCTYPE p [ <!ELEMENT p (#PCDATA)> ]><p/>',
    '<?xml version="1.0"?>\n<!doctype p><p/>',
  ])('refuses a DOCTYPE without any ENTITY: %s', (text) => {
    expect(xmlRefusal(text)).toBe('DOCTYPE and entity declarations are not allowed');
  });

  it('refuses character references and raw characters that XML does not allow', () => {
    for (const text of ['<a>&#0;</a>', '<a>&#xD800;</a>', '<a>&#xFFFFFF;</a>', '<a>&#xFFFE;</a>', '<a>\u0001</a>']) {
      expect(() => parseXmlDocument(text)).toThrow(MalformedBodyError);
    }
  });

  it('decodes the character references XML allows, however many leading zeros they have', () => {
    expect(parseXmlDocument('<a>&#65;&#x42;&#x1F600;&#0000000067;&amp;</a>')).toEqual({ a: 'AB\u{1F600}C&' });
  });

  it('answers MalformedBodyError for more than one root element', () => {
    expect(() => parseXmlDocument('<a/><b/>')).toThrow(MalformedBodyError);
  });

  it('throws nothing but MalformedBodyError for arbitrary text', () => {
    const xmlish = fc
      .array(
        fc.constantFrom(
          '<a>',
          '</a>',
          '<b x="1"/>',
          '&amp;',
          '&',
          '<!DOCTYPE',
          '<![CDATA[',
          ']]>',
          '<!--',
          '-->',
          'text',
          '<?pi?>',
          '<',
        ),
        {
          maxLength: 12,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), xmlish), (text) => {
        try {
          const bytes = frameXmlDocument(text);
          expect(typeof decode(bytes)).toBe('object');
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedBodyError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
