/**
 * A pre-parse scan of XML text that refuses what could make a parser expand or fetch
 * anything: a DOCTYPE (and with it every entity declaration, internal or external) and any
 * entity reference other than the five predefined ones and character references. It runs
 * before any parser sees the text, so billion-laughs and external entities never reach one.
 */

const PREDEFINED_ENTITY = /^&(?:amp|lt|gt|apos|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});/;

/** Why a document was refused, or `undefined` when it may be parsed. */
export function xmlRefusal(text: string): string | undefined {
  let index = 0;
  while (index < text.length) {
    const lt = text.indexOf('<', index);
    const amp = text.indexOf('&', index);
    if (lt === -1 && amp === -1) return undefined;
    if (amp !== -1 && (lt === -1 || amp < lt)) {
      if (!PREDEFINED_ENTITY.test(text.slice(amp, amp + 12))) {
        return 'only the predefined entities (&amp; &lt; &gt; &apos; &quot;) and character references are allowed';
      }
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
