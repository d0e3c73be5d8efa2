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

/** Bytes as hex, which compares long items far faster than element by element. */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

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

  // Each length and integer on both sides of a head-size change: 1-, 2-, 3-, 5- and 9-byte heads.
  const BOUNDARIES = [23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32];

  it.each(BOUNDARIES)('writes the integers %i, its negative and one below that as cbor-x does', (n) => {
    for (const value of [n, -n, -n - 1]) {
      expect(hex(encodeCborItem(value))).toBe(hex(referenceEncoder.encode(value)));
    }
  });

  it('writes -0, 2^53 - 1 and fractions as cbor-x does', () => {
    for (const value of [-0, 2 ** 53 - 1, -(2 ** 53) + 1, 0.5, -1.5, Number.MAX_VALUE]) {
      expect(hex(encodeCborItem(value))).toBe(hex(referenceEncoder.encode(value)));
    }
  });

  // 2^32 characters or bytes do not fit in memory, so lengths stop at 65,536 (a 5-byte head).
  it.each(BOUNDARIES.slice(0, 6))('writes a text and a byte string of length %i as cbor-x does', (n) => {
    for (const value of ['x'.repeat(n), 'é'.repeat(Math.ceil(n / 2)), new Uint8Array(n).fill(7)]) {
      expect(hex(encodeCborItem(value))).toBe(hex(referenceEncoder.encode(value)));
    }
  });

  it.each([23, 24, 255, 256])('writes an array and a map of %i entries as cbor-x does', (n) => {
    const array = Array.from({ length: n }, (_, index) => String(index));
    const map = Object.fromEntries(array.map((key) => [`k${key}`, key]));
    for (const value of [array, map]) {
      expect(hex(encodeCborItem(value))).toBe(hex(referenceEncoder.encode(value)));
    }
  });

  it('refuses values that are not plain data instead of writing their keys', () => {
    expect(() => encodeCborItem({ at: new Date(0) })).toThrow(TypeError);
    expect(() => encodeCborItem([new Int16Array(2)])).toThrow(TypeError);
    expect(() => encodeCborItem(() => 1)).toThrow(TypeError);
  });
});
