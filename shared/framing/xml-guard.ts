/**
 * A pre-parse scan of XML text that refuses what could make a parser expand or fetch
 * anything: a DOCTYPE (and with it every entity declaration, internal or external) and any
 * entity reference other than the five predefined ones and character references. It runs
 * before any parser sees the text, so billion-laughs and external entities never reach one.
 * It also refuses what XML 1.0 does not allow as a character (§2.2), written raw or as a
 * character reference, which the parser would otherwise store altered or as is.
 */

const PREDEFINED_ENTITY = /&(?:amp|lt|gt|apos|quot);/y;
const CHARACTER_REFERENCE = /&#(?:([0-9]+)|x([0-9A-Fa-f]+));/y;
// C0 controls other than tab, LF and CR, and the two non-characters U+FFFE and U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
const FORBIDDEN_RAW_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

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
  return isXmlCharacter(codePoint) ? undefined : `${match[0]} does not name a character XML allows`;
}

/** Why a document was refused, or `undefined` when it may be parsed. */
export function xmlRefusal(text: string): string | undefined {
  const forbidden = FORBIDDEN_RAW_CHARACTER.exec(text);
  if (forbidden) {
    const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `U+${code} is not a character XML allows`;
  }
  let index = 0;
  // Both positions are searched again only once passed: searching from every `<` would make
  // the scan quadratic in a body of many tags and no `&` (or the reverse).
  let lt = -2;
  let amp = -2;
  while (index < text.length) {
    if (lt !== -1 && lt < index) lt = text.indexOf('<', index);
    if (amp !== -1 && amp < index) amp = text.indexOf('&', index);
    if (lt === -1 && amp === -1) return undefined;
    if (amp !== -1 && (lt === -1 || amp < lt)) {
      const refusal = referenceRefusal(text, amp);
      if (refusal) return refusal;
      index = amp + 1;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) return 'a comment is not closed';
      index = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) return 'a CDATA section is not closed';
      index = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) return 'a processing instruction is not closed';
      index = end + 2;
    } else if (text.startsWith('<!', lt)) {
      const keyword = text.slice(lt + 2, lt + 9).toUpperCase();
      return keyword.startsWith('DOCTYPE') || keyword.startsWith('ENTITY')
        ? 'DOCTYPE and entity declarations are not allowed'
        : 'markup declarations are not allowed';
    } else {
      index = lt + 1;
    }
  }
  return undefined;
}
