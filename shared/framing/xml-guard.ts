/**
 * A pre-parse scan of XML text that refuses what could make a parser expand or fetch
 * anything: a DOCTYPE (and with it every entity declaration, internal or external) and any
 * entity reference other than the five predefined ones and character references. It runs
 * before any parser sees the text, so billion-laughs and external entities never reach one.
 * It also refuses what XML 1.0 does not allow as a character (§2.2), written raw or as a
 * character reference, which the parser would otherwise store altered or as is.
 *
 * The scan follows XML's own lexical states, so that no construct can hide another: a tag is
 * read to its `>` with its quoted attribute values (where `<` is not allowed and references are
 * checked like in text), and only comments, CDATA sections and processing instructions are
 * skipped to their end. A `<?` or `<!--` inside an attribute value is refused as the `<` it is,
 * instead of opening a section whose end lies further on. One pass, linear in the text.
 */
import { boundedText, MAX_QUOTED_NAME_BYTES } from '../contract/quoted-input.ts';

const PREDEFINED_ENTITY = /&(?:amp|lt|gt|apos|quot);/y;
const CHARACTER_REFERENCE = /&#(?:([0-9]+)|x([0-9A-Fa-f]+));/y;
// C0 controls other than tab, LF and CR, and the two non-characters U+FFFE and U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
const FORBIDDEN_RAW_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

/** XML 1.0 `Char`: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. */
function isXmlCharacter(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Why the reference that starts at `at` (an `&`) is refused, or `undefined`. */
function referenceRefusal(text: string, at: number): string | undefined {
  PREDEFINED_ENTITY.lastIndex = at;
  if (PREDEFINED_ENTITY.test(text)) return undefined;
  CHARACTER_REFERENCE.lastIndex = at;
  const match = CHARACTER_REFERENCE.exec(text);
  if (!match)
    return 'only the predefined entities (&amp; &lt; &gt; &apos; &quot;) and character references are allowed';
  const codePoint = match[1] === undefined ? Number.parseInt(match[2] ?? '', 16) : Number(match[1]);
  // `&#` and any number of zeros: quoted cut, as a name is.
  return isXmlCharacter(codePoint)
    ? undefined
    : `${boundedText(match[0], MAX_QUOTED_NAME_BYTES)} does not name a character XML allows`;
}

/** Where a scan stands: the index it goes on from, or why it stopped. */
type Step = number | { readonly refusal: string };

// A start or end tag from its `<` to its `>`: quoted values may hold `>` but never `<`, and
// their references are checked; outside quotes a tag holds neither `<` nor `&`.
function scanTag(text: string, lt: number): Step {
  let quote = 0;
  for (let index = lt + 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (quote !== 0) {
      if (code === quote) quote = 0;
      else if (code === LT) return { refusal: '`<` is not allowed in an attribute value (write &lt;)' };
      else if (code === AMP) {
        const refusal = referenceRefusal(text, index);
        if (refusal) return { refusal };
      }
    } else if (code === QUOTE || code === APOSTROPHE) quote = code;
    else if (code === GT) return index + 1;
    else if (code === LT || code === AMP) return { refusal: 'a tag is not well formed' };
  }
  return { refusal: 'a tag is not closed' };
}

// Markup that starts with `<`: a section skipped to its end, a declaration refused, or a tag.
function scanMarkup(text: string, lt: number): Step {
  const skipTo = (start: number, end: string, what: string): Step => {
    const at = text.indexOf(end, start);
    return at === -1 ? { refusal: `${what} is not closed` } : at + end.length;
  };
  if (text.startsWith('<!--', lt)) return skipTo(lt + 4, '-->', 'a comment');
  if (text.startsWith('<![CDATA[', lt)) return skipTo(lt + 9, ']]>', 'a CDATA section');
  if (text.startsWith('<?', lt)) return skipTo(lt + 2, '?>', 'a processing instruction');
  if (text.startsWith('<!', lt)) {
    const keyword = text.slice(lt + 2, lt + 9).toUpperCase();
    return {
      refusal:
        keyword.startsWith('DOCTYPE') || keyword.startsWith('ENTITY')
          ? 'DOCTYPE and entity declarations are not allowed'
          : 'markup declarations are not allowed',
    };
  }
  return scanTag(text, lt);
}

/** Why a document was refused, or `undefined` when it may be parsed. */
export function xmlRefusal(text: string): string | undefined {
  const forbidden = FORBIDDEN_RAW_CHARACTER.exec(text);
  if (forbidden) {
    const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `U+${code} is not a character XML allows`;
  }
  let index = 0;
  // The next `&` is searched again only once passed: searching from every tag would make the
  // scan quadratic in a body of many tags and one `&` at its end.
  let amp = -2;
  while (index < text.length) {
    const lt = text.indexOf('<', index);
    if (amp !== -1 && amp < index) amp = text.indexOf('&', index);
    // References in character data, up to the next markup.
    while (amp !== -1 && (lt === -1 || amp < lt)) {
      const refusal = referenceRefusal(text, amp);
      if (refusal) return refusal;
      amp = text.indexOf('&', amp + 1);
    }
    if (lt === -1) return undefined;
    const step = scanMarkup(text, lt);
    if (typeof step !== 'number') return step.refusal;
    index = step;
  }
  return undefined;
}
