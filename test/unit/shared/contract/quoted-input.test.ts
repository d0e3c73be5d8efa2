import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedText, SHORTENED_MARK } from '#shared/contract/quoted-input';

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text), 'utf8');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('boundedText', () => {
  it('keeps a text of exactly maxBytes of JSON and shortens one of maxBytes + 1', () => {
    const fits = 'a'.repeat(254); // 256 bytes with its quotes
    expect(boundedText(fits, 256)).toBe(fits);
    const shortened = boundedText(`${fits}a`, 256);
    expect(shortened.endsWith(SHORTENED_MARK)).toBe(true);
    expect(jsonBytes(shortened)).toBeLessThanOrEqual(256);
  });

  it('counts the quotes of a short text of six-byte escapes: four control characters are 26 bytes, over 24', () => {
    const shortened = boundedText('\u0001'.repeat(4), 24);
    expect(jsonBytes(shortened)).toBeLessThanOrEqual(24);
    expect(boundedText('\u0001'.repeat(3), 20)).toBe('\u0001'.repeat(3));
  });

  it('fits maxBytes, keeps a prefix as long as fits within a character or two, and never splits a surrogate pair (property)', () => {
    // Any code points (astral ones as pairs), lone surrogates and control characters (escaped as
    // six bytes each) and ASCII.
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom('a', '\u0001', 'é', '中', '\uD835', '\uDC9C'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 400,
      size: 'max',
    });
    fc.assert(
      fc.property(text, fc.integer({ min: 24, max: 300 }), (input, maxBytes) => {
        const output = boundedText(input, maxBytes);
        if (jsonBytes(input) <= maxBytes) {
          expect(output).toBe(input);
          return;
        }
        expect(jsonBytes(output)).toBeLessThanOrEqual(maxBytes);
        expect(output.endsWith(SHORTENED_MARK)).toBe(true);
        const kept = output.slice(0, -SHORTENED_MARK.length);
        expect(input.startsWith(kept)).toBe(true);
        // No pair is split: a lone surrogate at the cut is one the input had.
        if (LONE_SURROGATE.test(kept)) expect(LONE_SURROGATE.test(input.slice(0, kept.length + 1))).toBe(true);
        // What was cut beyond the limit: under one character of the cut (six bytes at most), one
        // surrogate dropped so as not to split a pair (six more), and a byte of rounding.
        expect(jsonBytes(output)).toBeGreaterThanOrEqual(maxBytes - 13);
      }),
      { numRuns: 500 },
    );
  });
});
