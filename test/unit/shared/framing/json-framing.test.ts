import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countJsonArrayElements, jsonArrayElements } from '#shared/framing/json-array-elements';
import { isNestedDeeperThan } from '#shared/framing/json-nesting';
import { frameJsonRecord, ndjsonLineText } from '#shared/framing/ndjson-line';

describe('lossless JSON framing', () => {
  it('keeps big integers, decimals and exponents exactly as posted', () => {
    const posted = '{"id":12345678901234567890,"price":1.10,"tiny":1E-400,"neg":-0}';
    expect(ndjsonLineText(posted)).toBe(`${posted}\n`);
  });

  it('removes raw line breaks and keeps every other whitespace and escape', () => {
    const posted = '{\r\n\t"a" :\u0020"line\\nbreak\\r",\n  "u": "\\u00e9\\ud83d\\ude00é😀"\r}';
    const line = ndjsonLineText(posted);
    expect(line).toBe('{\t"a" : "line\\nbreak\\r",  "u": "\\u00e9\\ud83d\\ude00é😀"}\n');
    expect(JSON.parse(line)).toEqual(JSON.parse(posted));
  });

  it('keeps key order, duplicate keys and __proto__ keys as posted', () => {
    const posted = '{"z":1,"a":2,"z":3,"__proto__":{"polluted":true}}';
    expect(new TextDecoder().decode(frameJsonRecord(posted))).toBe(`${posted}\n`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('frames any JSON value, however formatted, as one line that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t', '\r\n'), (value, indent) => {
        const posted = JSON.stringify(value, null, indent === '\r\n' ? 1 : indent).replaceAll('\n', '\r\n');
        const line = ndjsonLineText(posted);
        expect(line.indexOf('\n')).toBe(line.length - 1);
        expect(line).not.toContain('\r');
        expect(JSON.parse(line)).toEqual(JSON.parse(posted));
      }),
      { numRuns: 200 },
    );
  });
});

describe('jsonArrayElements', () => {
  it('splits an array into the posted text of each element', () => {
    expect(jsonArrayElements(' [ 1.0 , "a,]\\"" ,{"b":[1,2]},[] ] ')).toEqual(['1.0', '"a,]\\""', '{"b":[1,2]}', '[]']);
    expect(jsonArrayElements('[]')).toEqual([]);
  });

  it('agrees with JSON.parse for any array', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.constantFrom(0, 1, '\t'), (values, indent) => {
        const elements = jsonArrayElements(JSON.stringify(values, null, indent));
        expect(elements.map((element) => JSON.parse(element))).toEqual(JSON.parse(JSON.stringify(values)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('countJsonArrayElements', () => {
  it('counts the top-level elements of an array without parsing it', () => {
    expect(countJsonArrayElements(' [ 1.0 , "a,]\\"" ,{"b":[1,2]},[] ] ')).toBe(4);
    expect(countJsonArrayElements('[]')).toBe(0);
    expect(countJsonArrayElements(' [ \n ] ')).toBe(0);
    expect(countJsonArrayElements('[{}]')).toBe(1);
  });

  it('agrees with JSON.parse on any array, however indented', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.integer({ min: 0, max: 4 }), (values, indent) => {
        expect(countJsonArrayElements(JSON.stringify(values, null, indent))).toBe(values.length);
      }),
    );
  });
});

describe('isNestedDeeperThan', () => {
  it('counts arrays and objects but not brackets inside strings', () => {
    expect(isNestedDeeperThan('[[{"a":"[[[[["}]]', 3)).toBe(false);
    expect(isNestedDeeperThan('[[[[1]]]]', 3)).toBe(true);
    expect(isNestedDeeperThan('['.repeat(100_000), 256)).toBe(true);
  });
});
