import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Text } from '#functions/pull/page-fetch';

describe('utf8Text', () => {
  it('reads any bytes as TextDecoder does: a leading BOM dropped, each invalid sequence one U+FFFD', () => {
    const decoder = new TextDecoder();
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 8 }), (bom, bytes, offset) => {
        const whole = Uint8Array.from([...(bom ? [0xef, 0xbb, 0xbf] : []), ...bytes]);
        // A view into a larger buffer, as a chunk of a response is.
        const view = new Uint8Array(offset + whole.length);
        view.set(whole, offset);
        expect(utf8Text(view.subarray(offset))).toBe(decoder.decode(whole));
      }),
      { numRuns: 2000 },
    );
  });
});
