import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArrayElements } from '#shared/framing/json-array-elements';
import { jsonPointerElements, jsonPointerText, jsonPointerValue } from '#shared/framing/json-pointer-text';

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

describe('jsonPointerElements', () => {
  const pointerOf = (path: readonly (string | number)[]) =>
    path.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

  it('returns each element of the named array as sent, with the text of its id', () => {
    const page = '{"data": [ {"id": 18446744073709551617, "s": "a\\"}]"} ,{"x":1}, 7 ], "next": "p2"}';
    expect(jsonPointerElements(page, '/data', '/id')).toEqual([
      { text: '{"id": 18446744073709551617, "s": "a\\"}]"}', start: 11, member: '18446744073709551617' },
      { text: '{"x":1}', start: 55, member: undefined },
      { text: '7', start: 64, member: undefined },
    ]);
  });

  it('takes the last of duplicate keys, for the array and for the id, as JSON.parse does', () => {
    const page = '{"data": [{"id": 1}], "data": [{"id": 2, "\\u0069d": 3}]}';
    expect(jsonPointerElements(page, '/data', '/id')).toEqual([
      { text: '{"id": 2, "\\u0069d": 3}', start: 31, member: '3' },
    ]);
    expect(jsonPointerElements('{"data": [1], "data": 5}', '/data')).toBeUndefined();
  });

  it('returns undefined when the pointer names no array', () => {
    expect(jsonPointerElements('{"data": {"a": 1}}', '/data')).toBeUndefined();
    expect(jsonPointerElements('{"data": []}', '/missing')).toBeUndefined();
    expect(jsonPointerElements('[[1], 2]', '/1')).toBeUndefined();
    expect(jsonPointerElements('[]', '', '/id')).toEqual([]);
  });

  it('agrees with JSON.parse, jsonArrayElements and jsonPointerText on any document and pointers', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.array(fc.oneof(fc.constantFrom('id', 'data'), fc.string({ maxLength: 2 }), fc.nat(2)), { maxLength: 2 }),
        fc.option(fc.array(fc.oneof(fc.constant('id'), fc.string({ maxLength: 2 }), fc.nat(2)), { maxLength: 2 }), {
          nil: undefined,
        }),
        (text, path, memberPath) => {
          const pointer = pointerOf(path);
          const memberPointer = memberPath === undefined ? undefined : pointerOf(memberPath);
          const expected = jsonPointerValue(JSON.parse(text), pointer);
          const found = jsonPointerElements(text, pointer, memberPointer);
          if (!Array.isArray(expected)) {
            expect(found).toBeUndefined();
            return;
          }
          const texts = jsonArrayElements(jsonPointerText(text, pointer) as string);
          expect(found?.map((element) => element.text)).toEqual(expected.length === 0 ? [] : texts);
          for (const element of found ?? []) {
            expect(text.slice(element.start, element.start + element.text.length)).toBe(element.text);
            const member = memberPointer === undefined ? undefined : jsonPointerText(element.text, memberPointer);
            expect(element.member).toBe(member);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
