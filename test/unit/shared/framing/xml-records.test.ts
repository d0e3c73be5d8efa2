import { decode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { defineTenant, TenantConfigError, type TenantConfigInput } from '#shared/config/tenant-config';
import { MalformedBodyError } from '#shared/contract/errors';
import { parseXmlDocument } from '#shared/framing/xml-document';
import { selectXmlRecords } from '#shared/framing/xml-records';
import { frameXmlRecords } from '#shared/framing/xml-to-cbor';

/** Amperity's own example of a document that carries two records. */
const AMPERITY =
  '<records><record><id>1</id><email>ada@example.com</email></record>' +
  '<record><id>2</id><email>grace@example.com</email></record></records>';

const select = (xml: string, path: string) => selectXmlRecords(parseXmlDocument(xml), path);

describe('selectXmlRecords', () => {
  it('makes each element at the path a record whose root is that element', () => {
    expect(select(AMPERITY, '/records/record')).toEqual([
      { record: { id: '1', email: 'ada@example.com' } },
      { record: { id: '2', email: 'grace@example.com' } },
    ]);
  });

  it('keeps document order across repeated elements on the way down', () => {
    const xml = '<a><b><c>1</c><c>2</c></b><x/><b><c>3</c></b><b/></a>';
    expect(select(xml, '/a/b/c')).toEqual([{ c: '1' }, { c: '2' }, { c: '3' }]);
  });

  it("keeps each record's attributes and text, and leaves out the wrapper's", () => {
    const xml = '<records batch="9"><record id="1">Ada</record><note>n</note><record id="2"/></records>';
    expect(select(xml, '/records/record')).toEqual([
      { record: { '@id': '1', '#text': 'Ada' } },
      { record: { '@id': '2' } },
    ]);
  });

  it('finds one record when the element is there once, and the root itself for a one-name path', () => {
    expect(select('<records><record>x</record></records>', '/records/record')).toEqual([{ record: 'x' }]);
    expect(select('<records><record>x</record></records>', '/records')).toEqual([{ records: { record: 'x' } }]);
  });

  it('finds nothing under another root, in a text-only element or an empty one', () => {
    expect(select(AMPERITY, '/rows/record')).toEqual([]);
    expect(select('<records>text</records>', '/records/record')).toEqual([]);
    expect(select('<records/>', '/records/record')).toEqual([]);
    expect(select('<records><record/></records>', '/records/record/id')).toEqual([]);
  });

  it('does not take an attribute or an inherited member for an element', () => {
    expect(select('<records record="1"/>', '/records/record')).toEqual([]);
    expect(select('<records><x/></records>', '/records/toString')).toEqual([]);
  });
});

describe('frameXmlRecords', () => {
  it('frames each record as one CBOR item and, projected, as one JSON line', () => {
    const framed = frameXmlRecords(AMPERITY, '/records/record', true);
    expect(framed.map(({ cbor }) => decode(cbor))).toEqual(select(AMPERITY, '/records/record'));
    expect(framed.map(({ json }) => new TextDecoder().decode(json))).toEqual([
      '{"record":{"id":"1","email":"ada@example.com"}}\n',
      '{"record":{"id":"2","email":"grace@example.com"}}\n',
    ]);
  });

  it('refuses a DOCTYPE in the whole document before selecting anything', () => {
    expect(() => frameXmlRecords(`<!DOCTYPE records>${AMPERITY}`, '/records/record', false)).toThrow(
      MalformedBodyError,
    );
  });
});

describe("a stream's records option", () => {
  const config = (stream: Record<string, unknown>): TenantConfigInput =>
    ({ tenant: 'acme', auth: { issuer: 'self' }, streams: { people: stream } }) as unknown as TenantConfigInput;

  const problems = (stream: Record<string, unknown>): string[] => {
    try {
      defineTenant(config(stream));
    } catch (error) {
      if (error instanceof TenantConfigError) return [...error.problems];
      throw error;
    }
    return [];
  };

  it.each(['/records/record', '/records', '/ns:feed/ns:entry', '/a_b/c-d/e.f'])('takes the path %s', (path) => {
    expect(defineTenant(config({ payload: 'xml', records: path })).streams.people?.records).toBe(path);
  });

  it.each(['records/record', '/records/', '//record', '/records/@id', '/records/#text', '/', '', '/a b', '/1a'])(
    'refuses the path %j, naming the field and the expected form',
    (path) => {
      expect(problems({ payload: 'xml', records: path })).toEqual([
        'streams.people.records: records must be a path of element names from the root element, each after a "/", such as "/records/record"',
      ]);
    },
  );

  it('is only for XML streams', () => {
    expect(problems({ payload: 'json', records: '/records/record' })).toEqual([
      'streams.people.records: records is only for XML streams (a JSON stream takes several records as a batch: batch: true)',
    ]);
  });
});
