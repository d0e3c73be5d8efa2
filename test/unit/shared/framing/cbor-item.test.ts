import cbor from 'cbor';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCborItem } from '#shared/framing/cbor-item';

/** cbor-x set up for plain RFC 8949 output: the reference the hand-written writer must match byte for byte. */
const referenceEncoder = new Encoder({
  useRecords: false,
  structuredClone: false,
  bundleStrings: false,
  pack: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
  useToJSON: false,
});

/** Values of the shapes an XML document becomes (text, arrays, maps with text keys), with JSON scalars. */
const xmlLikeValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ minLength: 20, maxLength: 300 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 6 }),
    // XML refuses a `__proto__` element, and the cbor decoder turns such a map into a Map.
    fc.dictionary(
      fc.string({ maxLength: 12 }).filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;

describe('the CBOR item writer', () => {
  it('writes exactly the bytes of cbor-x in plain mode', () => {
    fc.assert(
      fc.property(xmlLikeValue, (value) => {
        expect(Buffer.from(encodeCborItem(value))).toEqual(Buffer.from(referenceEncoder.encode(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('writes an item that the independent cbor decoder reads back unchanged', () => {
    fc.assert(
      fc.property(xmlLikeValue, (value) => {
        const items = cbor.decodeAllSync(Buffer.from(encodeCborItem(value)));
        expect(items).toEqual([value]);
      }),
      { numRuns: 300 },
    );
  });

  it('writes long strings and large maps with the lengths in their longer forms', () => {
    const text = 'é'.repeat(70_000);
    const map = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`k${index}`, String(index)]));
    for (const value of [text, map, [text, map]]) {
      expect(Buffer.from(encodeCborItem(value))).toEqual(Buffer.from(referenceEncoder.encode(value)));
    }
  });

  it('refuses values that are not plain data instead of writing their keys', () => {
    expect(() => encodeCborItem({ at: new Date(0) })).toThrow(TypeError);
    expect(() => encodeCborItem([new Uint8Array(2)])).toThrow(TypeError);
    expect(() => encodeCborItem(() => 1)).toThrow(TypeError);
  });
});
