import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '#shared/contract/errors';
import { parseXmlDocument } from '#shared/framing/xml-document';
import { xmlRefusal } from '#shared/framing/xml-guard';
import { PREFIXED_ELEMENT_NAMES, RESERVED_XML_NAMES, xmlStructureFault } from '#shared/framing/xml-structure';

/** What Sluice says of a document: accepted, or the start of the 400's detail. */
function verdict(text: string): string {
  try {
    parseXmlDocument(text);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedBodyError);
    return (error as Error).message;
  }
}

// Pieces of documents, well formed or not, in every place: tags with and without attributes,
// attribute mistakes, end tags, text, white space, comments, PIs, CDATA and declarations.
const piece = fc.constantFrom(
  '<a>',
  '</a>',
  '<b>',
  '</b>',
  '<a/>',
  '<b />',
  '<a:b>',
  '</a:b>',
  '<é-1.x>',
  '</é-1.x>',
  '<a x="1">',
  '<b x=\'>\' y = "2"/>',
  '<a x="1" x="2">',
  '<a x>',
  '<a x=1>',
  '<a x="1"y="2">',
  '<a x="1" / >',
  '</a >',
  '</a x="1">',
  '< a>',
  '<1a>',
  '<-b/>',
  'text',
  ' ',
  '\n',
  '&amp;',
  '<!-- c -->',
  '<?pi x?>',
  '<?xml version="1.0"?>',
);
const documents = fc.array(piece, { minLength: 1, maxLength: 10 }).map((pieces) => pieces.join(''));

describe('XML structure', () => {
  it('refuses every document fast-xml-parser’s validator refuses, and more only where XML 1.0 does', () => {
    // The validator lets through what XML 1.0 forbids after an empty-element root (a second
    // root, text, a declaration) and CDATA outside the root; Sluice refuses them, as it did
    // before with its own scan in front of the validator.
    const stricterByTheStandard = [
      'a document has exactly one root element',
      'content after the root element is not allowed',
      'the XML declaration is allowed only at the start of the document',
      'only the root element may hold CDATA',
    ];
    fc.assert(
      fc.property(documents, (text) => {
        const guarded = xmlRefusal(text) === undefined;
        const fault = guarded ? xmlStructureFault(text) : undefined;
        const validatorAccepts = guarded && XMLValidator.validate(text) === true;
        if (!validatorAccepts) expect(guarded && fault === undefined, text).toBe(false);
        else if (fault) expect(stricterByTheStandard, text).toContain(fault.reason);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    [
      'an end tag that closes another element',
      '<a>\n<b>\n</a></b>',
      '</a> does not close <b>, opened on line 2 (line 3)',
    ],
    ['an element left open', '<a><b></b>', '<a> is not closed (line 1)'],
    ['an end tag with nothing open', '</a>', '</a> closes no element'],
    ['an attribute without a value', '<a x></a>', 'the attribute x has no value'],
    ['an unquoted attribute value', '<a x=1/>', 'the value of the attribute x is not quoted'],
    ['an attribute given twice', '<a x="1" x="2"/>', 'the attribute x is given twice'],
    ['attributes without white space between', '<a x="1"y="2"/>', 'separated by white space'],
    ['a tag name that is not an XML name', '<1a/>', 'does not start with a valid XML name'],
    ['text before the root element', 'hello <a/>', 'text before the root element'],
    ['an XML declaration after the start', '<a/>\n<?xml version="1.0"?>', 'only at the start of the document (line 2)'],
    ['CDATA outside the root element', '<![CDATA[x]]><a/>', 'only the root element may hold CDATA'],
    ['a processing instruction without a target name', '<a/><?1 x?>', 'valid target name'],
    ['no element at all', '<!-- only a comment -->', 'needs a root element'],
  ])('answers not well-formed for %s, saying what and on which line', (_, text, detail) => {
    const answer = verdict(text);
    expect(answer).toMatch(/^The body is not well-formed XML: /);
    expect(answer).toContain(detail);
  });

  it.each([
    ['a second root element', '<a/><b/>', 'exactly one root element'],
    ['text after the root element', '<a/> trailing', 'content after the root element'],
    ['an attribute named __proto__', '<a __proto__="x"/>', 'reserved'],
    ['an element named constructor', '<a><constructor/></a>', 'reserved'],
  ])('refuses %s', (_, text, detail) => {
    const answer = verdict(text);
    expect(answer).toMatch(/^The XML document was refused: /);
    expect(answer).toContain(detail);
  });

  it.each([
    ['U+FEFF inside an attribute name', '<r x\uFEFF__proto__="1"/>', 'the attribute x has no value'],
    ['U+1680 inside an attribute name', '<r x\u1680constructor="1"/>', 'the attribute x has no value'],
    ['U+FEFF inside an element name', '<r><a\uFEFFb>2</a\uFEFFb></r>', 'attributes must be separated by white space'],
    [
      'a PI whose open quote hides markup from the structure check',
      '<r><?p "?><![CDATA["?><y __proto__="x">1</y><![CDATA[]]></r>',
      'a processing instruction holds an unmatched quote',
    ],
    [
      'a PI whose open quote hides an element',
      '<r><a>1</a><?p "?><a>2</a><?p "?><a>3</a></r>',
      'a processing instruction holds an unmatched quote',
    ],
  ])('refuses %s, which the parser reads other than XML does', (_, text, reason) => {
    expect(verdict(text)).toContain(reason);
  });

  it('accepts what XML allows: a declaration after a byte order mark, spaces around =, > in values, white space in end tags, non-ASCII names', () => {
    for (const text of [
      '\uFEFF<?xml version="1.0"?><a/>',
      '<a x = "1" y=\'>\'>t</a >',
      '<?xml version="1.0"?>\n<!-- c -->\n<?pi?>\n<köln:straße n="1"><![CDATA[<x>]]></köln:straße>\n<!-- after -->\n',
      '<a\n  x="1"\n/>',
    ]) {
      expect(verdict(text), text).toBe('accepted');
    }
  });

  it('nests 256 elements deep and refuses 257, in time linear in the text', () => {
    const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    expect(xmlStructureFault(nested(256))).toBeUndefined();
    expect(xmlStructureFault(nested(257))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('256') });
    // 100,000 unclosed tags: refused at the 257th, not after reading them all.
    expect(xmlStructureFault('<a>'.repeat(100_000))?.kind).toBe('refused');
  });

  it('refuses element names in the form the parser stores Object.prototype names in, so that they never merge', () => {
    // The parser still stores each of these names in the refused form (the list is its own, copied).
    const originals = [...PREFIXED_ELEMENT_NAMES].map((name) => name.slice(2));
    expect(originals).toHaveLength(7);
    const stored = parseXmlDocument(`<r>${originals.map((name) => `<${name}>1</${name}>`).join('')}</r>`);
    expect(Object.keys(stored.r as object).sort()).toEqual([...PREFIXED_ELEMENT_NAMES].sort());
    for (const name of PREFIXED_ELEMENT_NAMES) {
      expect(xmlStructureFault(`<r><toString>1</toString><${name}>2</${name}></r>`)).toEqual({
        kind: 'refused',
        reason: `the element name ${name} is reserved: it is how an element ${name.slice(2)} is stored`,
        line: 1,
      });
    }
    // Attributes are not renamed, so their names are free; nor are names that only look alike.
    expect(parseXmlDocument('<r __toString="1" toString="2"><__tostring/><__toStrings/></r>')).toEqual({
      r: { '@__toString': '1', '@toString': '2', __tostring: '', __toStrings: '' },
    });
  });

  it('knows every Object.prototype name the parser renames: the others are stored as they are', () => {
    // If a parser upgrade renames one more name, this fails until PREFIXED_ELEMENT_NAMES has it.
    const names = Object.getOwnPropertyNames(Object.prototype).filter((name) => !RESERVED_XML_NAMES.has(name));
    const renamed = names.filter((name) => {
      const stored = Object.keys(parseXmlDocument(`<r><${name}>1</${name}></r>`).r as object);
      expect([[name], [`__${name}`]]).toContainEqual(stored);
      return stored[0] !== name;
    });
    expect(renamed.map((name) => `__${name}`).sort()).toEqual([...PREFIXED_ELEMENT_NAMES].sort());
  });

  it('quotes a long name of astral characters cut to 64 bytes, never through a surrogate pair', () => {
    for (const length of [15, 16, 17, 40]) {
      const name = '\u{1D49C}'.repeat(length);
      const reason = xmlStructureFault(`<r><${name}></${name}x></r>`)?.reason ?? '';
      const quoted = reason.match(/<\/(.*?)>/u)?.[1] ?? '';
      // No lone surrogate: a cut through a pair would leave one.
      expect(quoted).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(Buffer.byteLength(JSON.stringify(quoted))).toBeLessThanOrEqual(64);
      expect(quoted.startsWith('\u{1D49C}')).toBe(true);
    }
  });

  it('checks a tag with many attributes for repeats, the 10,000th repeating the first', () => {
    const attributes = Array.from({ length: 9_999 }, (_, index) => ` a${index}="v"`).join('');
    expect(xmlStructureFault(`<r${attributes}/>`)).toBeUndefined();
    expect(xmlStructureFault(`<r${attributes} a0="w"/>`)?.reason).toBe('the attribute a0 is given twice');
  });
});
