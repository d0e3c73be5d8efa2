/**
 * A count of the start tags of one element name in an XML text, taken before the document is
 * parsed: a body of 100,000 `<record/>` elements is refused by its count in one linear pass,
 * instead of after parsing and CBOR-encoding every record (seconds with the event loop blocked).
 * Comments, CDATA sections and processing instructions are skipped; attribute values cannot hold
 * `<` (the XML guard refuses it). The count is an upper bound of the elements at a path whose
 * last step is that name.
 */

const NAME_ENDS = new Set([' ', '\t', '\n', '\r', '/', '>']);

/** Skips the construct at `at` that ends with `terminator`; the index after it, or the text's end. */
function skipTo(text: string, at: number, terminator: string): number {
  const end = text.indexOf(terminator, at);
  return end === -1 ? text.length : end + terminator.length;
}

/** How many start (or empty-element) tags named `name` the text holds, stopping once past `stopAfter`. */
export function countStartTags(text: string, name: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let count = 0;
  let at = text.indexOf('<');
  while (at !== -1 && count <= stopAfter) {
    if (text.startsWith('<!--', at)) at = skipTo(text, at + 4, '-->');
    else if (text.startsWith('<![CDATA[', at)) at = skipTo(text, at + 9, ']]>');
    else if (text.startsWith('<?', at)) at = skipTo(text, at + 2, '?>');
    else {
      if (text.startsWith(name, at + 1) && NAME_ENDS.has(text.charAt(at + 1 + name.length))) count += 1;
      at += 1;
    }
    at = text.indexOf('<', at);
  }
  return count;
}
