import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xmlRefusal } from '#shared/framing/xml-guard';

/** Markup openers and closers that a scan unaware of XML's states could take for a section's bounds. */
const TRICKS = [
  '<?',
  '?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE a [',
  ']>',
  '<!ENTITY x "y">',
  '&x;',
  '&#xFFFE;',
];

// Text that is harmless where it stands: quoted, commented, in CDATA or in a processing instruction.
const trickText = fc
  .array(fc.oneof(fc.constantFrom(...TRICKS), fc.string({ maxLength: 4 })), { maxLength: 4 })
  .map((parts) => parts.join(''));

const escapeAttribute = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
const escapeText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll(']]>', ']]&gt;');

/** A piece of well-formed content whose dead parts (comment, CDATA, PI bodies) hold the tricks as they are. */
const safePiece = fc.oneof(
  trickText.map((text) => `<e a="${escapeAttribute(text)}" b='${escapeAttribute(text).replaceAll("'", '&apos;')}'/>`),
  trickText.map((text) => `<!--${text.replaceAll('--', '- -')}-->`),
  trickText.map((text) => `<![CDATA[${text.replaceAll(']]>', ']] >')}]]>`),
  trickText.map((text) => `<?pi ${text.replaceAll('?>', '? >')}?>`),
  trickText.map(escapeText),
  fc.constantFrom('&amp;', '&lt;', '&gt;', '&apos;', '&quot;', '&#65;', '&#x1F600;'),
);

/** Constructs the guard must refuse wherever they are live. */
const LIVE_IN_TEXT = ['<!DOCTYPE a [<!ENTITY x "EXPANDED">]>', '&x;', '&nbsp;', '&#xFFFE;', '&#0;', '&#xD800;'];
const LIVE_IN_ATTRIBUTE = ['<', '&x;', '&#xFFFF;', '<?', '<!--', '<![CDATA['];

const document = (pieces: readonly string[]) => `<?xml version="1.0"?><root>${pieces.join('')}</root>`;

describe('the XML guard', () => {
  it('refuses the DOCTYPE hidden behind a `<?` in an attribute value, which used to be stored expanded', () => {
    const bypass = '<a b="<?"><!DOCTYPE a [<!ENTITY x "EXPANDED">]><c>&x;</c><d e="?>"/></a>';
    expect(xmlRefusal(bypass)).toBe('`<` is not allowed in an attribute value (write &lt;)');
  });

  it.each([
    ['an undeclared entity behind a comment opener in an attribute', '<a b="<!--"><c>&x;</c><d e="-->"/></a>'],
    ['a non-character reference behind a CDATA opener', `<a b="<![CDATA["><c>&#xFFFE;</c><d e="]]>"/></a>`],
    ['`<` in an attribute value', '<a b="x<y"/>'],
    ['an undeclared entity in an attribute value', '<a b="&x;"/>'],
    ['a non-character reference in an attribute value', '<a b="&#xFFFE;"/>'],
    ['a `<` inside a tag outside quotes', '<a <b/>'],
    ['a tag without its `>`', '<a b="c"'],
  ])('refuses %s', (_, body) => {
    expect(xmlRefusal(body)).toBeDefined();
  });

  it('accepts `>` in an attribute value and section markers that are only text or quoted', () => {
    expect(xmlRefusal('<a b="?> --> ]]>" c=\'"\'>?&gt; --&gt;</a>')).toBeUndefined();
    expect(
      xmlRefusal('<a><!-- <!DOCTYPE x> &x; <? --><![CDATA[ <!ENTITY y> &y; ]]><?pi &z; <!-- ?></a>'),
    ).toBeUndefined();
  });

  it('accepts any well-formed document whose tricks stand in attribute values, comments, CDATA and PIs', () => {
    fc.assert(
      fc.property(fc.array(safePiece, { maxLength: 8 }), (pieces) => {
        expect(xmlRefusal(document(pieces))).toBeUndefined();
      }),
    );
  });

  it('refuses a live DOCTYPE or reference wherever it stands among such pieces', () => {
    fc.assert(
      fc.property(
        fc.array(safePiece, { maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(...LIVE_IN_TEXT),
        (pieces, at, live) => {
          const placed = [...pieces];
          placed.splice(at % (pieces.length + 1), 0, live);
          expect(xmlRefusal(document(placed))).toBeDefined();
        },
      ),
    );
  });

  it('refuses `<` or a bad reference in any attribute value among such pieces', () => {
    fc.assert(
      fc.property(
        fc.array(safePiece, { maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(...LIVE_IN_ATTRIBUTE),
        trickText,
        (pieces, at, live, rest) => {
          const placed = [...pieces];
          placed.splice(at % (pieces.length + 1), 0, `<x v="${live}${escapeAttribute(rest)}"/>`);
          expect(xmlRefusal(document(placed))).toBeDefined();
        },
      ),
    );
  });

  it('scans a body of many tags and one reference at its end in linear time', () => {
    const body = `<r>${'<a b="c"/>'.repeat(20_000)}&bad;</r>`;
    expect(xmlRefusal(body)).toMatch(/predefined entities/);
  });
});
