/**
 * Bounds on what an error quotes from the input. A path, a validator's message or a parser's
 * tag list can be as long as the body itself; quoted whole, one bad request would get an answer
 * (and a dead-letter line) several times its own size.
 */
import { Buffer } from 'node:buffer';
import type { FieldError } from './errors.ts';

/** Longest JSON encoding, in bytes, of a path or message quoted in an error. */
export const MAX_QUOTED_BYTES = 256;

/** Longest JSON encoding, in bytes, of a problem's `detail`. */
export const MAX_DETAIL_BYTES = 1_024;

/** Longest JSON encoding, in bytes, of an XML element or attribute name quoted in a reason: a name may be as long as the body. */
export const MAX_QUOTED_NAME_BYTES = 64;

/** What ends a shortened value, so that a reader sees that it was cut. */
export const SHORTENED_MARK = '… (shortened)';

function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

/** `text` itself when its JSON encoding fits in `maxBytes`; otherwise its start and {@link SHORTENED_MARK}. */
export function boundedText(text: string, maxBytes = MAX_QUOTED_BYTES): string {
  // Six bytes a character at most, and the two quotes.
  if (text.length <= (maxBytes - 2) / 6 || jsonBytes(text) <= maxBytes) return text;
  const room = maxBytes - jsonBytes(SHORTENED_MARK);
  let keep = Math.min(text.length, room);
  // Escapes (\u0000 is six bytes) and multi-byte characters make bytes outnumber characters:
  // cut what is over, at most six bytes a character, so that as much as fits is kept.
  for (let over = jsonBytes(text.slice(0, keep)) - room; over > 0 && keep > 0; ) {
    keep -= Math.ceil(over / 6);
    over = jsonBytes(text.slice(0, Math.max(0, keep))) - room;
  }
  // Never split a surrogate pair, which would leave a lone surrogate in the output.
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return `${text.slice(0, Math.max(0, keep))}${SHORTENED_MARK}`;
}

/** Field errors with every path and message bounded by {@link boundedText}, and whether any was cut. */
export function boundedFieldErrors(errors: readonly FieldError[]): { errors: FieldError[]; shortened: boolean } {
  let shortened = false;
  const bounded = errors.map(({ path, message }) => {
    const error = { path: boundedText(path), message: boundedText(message) };
    if (error.path !== path || error.message !== message) shortened = true;
    return error;
  });
  return { errors: bounded, shortened };
}
