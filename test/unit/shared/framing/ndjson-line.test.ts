import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPointerElements } from '#shared/framing/json-pointer-text';
import { LinesWithFirstMember } from '#shared/framing/ndjson-line';

const MEMBER = '"_sluice":{"source":"src","record_id":"0123"}';

/** The line of a record as framed one at a time: its text with line breaks removed, the member first. */
function expectedLine(record: string, member = MEMBER): Buffer {
  const rest = record.replace(/[\r\n]/g, '').slice(1);
  return Buffer.from(/^\s*\}$/.test(rest) ? `{${member}}\n` : `{${member},${rest}\n`);
}

/** Frames every object element of the array at `pointer`, with and without the page's bytes. */
function framed(page: string, pointer: string, maxBytes = Number.POSITIVE_INFINITY) {
  const elements = (jsonPointerElements(page, pointer) ?? []).filter((element) => element.text.startsWith('{'));
  const ways = [new LinesWithFirstMember(page, maxBytes), new LinesWithFirstMember(page, maxBytes, Buffer.from(page))];
  const added = ways.map((lines) =>
    elements.map((element) => lines.add(MEMBER, element.start, element.start + element.text.length)),
  );
  return { elements, added, lines: ways.map((lines) => lines.encode().map((line) => Buffer.from(line))) };
}

// Records as APIs send them, mostly ASCII (so most pages can be copied from their bytes).
const record = fc
  .tuple(
    fc.dictionary(
      fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 6 }) }, fc.string({ unit: 'binary', maxLength: 4 })),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
    fc.constantFrom('', '', '', ' ', '\t', '\n', '\r\n'),
  )
  .map(([value, space]) => {
    const compact = JSON.stringify(value);
    return space === '' ? compact : (JSON.stringify(value, null, 1) ?? compact).replaceAll('\n', space);
  });

describe('LinesWithFirstMember', () => {
  it('frames each record of any page as framing it alone would, with the page bytes or without', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 5, arbitrary: record }, fc.constantFrom('{ }', '{}', '7', '"s"')), {
          maxLength: 8,
        }),
        fc.constantFrom(',', ' , ', '\t,\t', ',\n'),
        fc.constantFrom(['', (items: string) => items], ['/data', (items: string) => `{"x": 1, "data": ${items}}`], [
          '/a/1',
          (items: string) => `{"a": [0, ${items}]}`,
        ] as const),
        (records, separator, [pointer, wrap]) => {
          const page = wrap(`[ ${records.join(separator)} ]`);
          const { elements, added, lines } = framed(page, pointer);
          const expected = elements.map((element) => expectedLine(element.text));
          expect(added).toEqual([elements.map(() => true), elements.map(() => true)]);
          expect(lines[0]).toEqual(expected);
          expect(lines[1]).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('copies from the bytes of a page of several ASCII records, line after line', () => {
    const records = ['{"id":1,"s":"a"}', '{ }', '{"id":22,"nested":{"k":[1,2]}}', '{"id":333}'];
    const page = `{"data": [${records.join(' ,\t')}]}`;
    const { lines } = framed(page, '/data');
    expect(lines[1]).toEqual(records.map((text) => expectedLine(text)));
  });

  describe.each([
    ['compact', ''],
    ['with CRLF', '\r\n'],
    ['with spaces', ' '],
  ])('the line size limit, records %s', (_, space) => {
    it.each(['x', 'é', '𝄞'])('takes a line of exactly the limit and refuses one a byte over (%s)', (character) => {
      const limit = 4_096;
      const text = (characters: number, fill: number) =>
        `{${space}"a":${space}"${character.repeat(characters)}${'x'.repeat(fill)}"${space}}`;
      const spare = limit - expectedLine(text(0, 0)).length;
      const characterBytes = Buffer.byteLength(character);
      const atLimit = text(Math.floor(spare / characterBytes), spare % characterBytes);
      const overLimit = text(Math.floor(spare / characterBytes), (spare % characterBytes) + 1);
      expect(expectedLine(atLimit).length).toBe(limit);
      const page = `[${atLimit},${overLimit}]`;
      const { added, lines } = framed(page, '', limit);
      expect(added).toEqual([
        [true, false],
        [true, false],
      ]);
      expect(lines).toEqual([[expectedLine(atLimit)], [expectedLine(atLimit)]]);
    });
  });

  it('takes an empty object at exactly the limit and refuses it one byte under', () => {
    const size = expectedLine('{ }').length;
    expect(framed('[{ }]', '', size).added).toEqual([[true], [true]]);
    expect(framed('[{ }]', '', size - 1).added).toEqual([[false], [false]]);
  });
});
