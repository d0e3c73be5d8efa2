import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPointerText, jsonPointerValue } from '#shared/framing/json-pointer-text';

describe('jsonPointerText', () => {
  const page = ' { "a~b": 1, "x/y": [10, {"id": 18446744073709551617 , "s":"}]\\"{"}], "dup": 1, "dup": 2 } ';

  it('returns the raw text of the value a pointer names, numbers and escapes exactly as sent', () => {
    expect(jsonPointerText(page, '/x~1y/1/id')).toBe('18446744073709551617');
    expect(jsonPointerText(page, '/x~1y/1/s')).toBe('"}]\\"{"');
    expect(jsonPointerText(page, '/a~0b')).toBe('1');
    expect(jsonPointerText(page, '/x~1y/0')).toBe('10');
    expect(jsonPointerText(page, '')).toBe(page.trim());
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    expect(jsonPointerText(page, '/dup')).toBe('2');
  });

  it('returns undefined for what the pointer does not name', () => {
    expect(jsonPointerText(page, '/missing')).toBeUndefined();
    expect(jsonPointerText(page, '/x~1y/2')).toBeUndefined();
    expect(jsonPointerText(page, '/x~1y/01')).toBeUndefined();
    expect(jsonPointerText(page, '/a~0b/deeper')).toBeUndefined();
    expect(jsonPointerText('[]', '/0')).toBeUndefined();
  });

  it('agrees with JSON.parse on any document and any pointer into it', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.nat(3)), { maxLength: 3 }),
        (text, path) => {
          const pointer = path.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
          const expected = jsonPointerValue(JSON.parse(text), pointer);
          const found = jsonPointerText(text, pointer);
          if (expected === undefined) expect(found).toBeUndefined();
          else expect(JSON.parse(found as string)).toEqual(expected);
        },
      ),
    );
  });
});
