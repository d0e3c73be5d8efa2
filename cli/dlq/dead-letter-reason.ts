/**
 * The reason a dead letter is grouped by, shared by the `ls` report and the replay's tally
 * (its own module so that the summary and the replay do not import each other).
 */
import type { FieldError } from '#shared/contract/errors';

/** Characters of a reason label. */
const REASON_CHARS = 120;

/** A one-line form of a text: control characters as spaces, cut at `chars` with an ellipsis. */
export function shortened(text: string, chars: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to replace them.
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length <= chars ? flat : `${flat.slice(0, chars - 1)}…`;
}

/** The reason a dead letter is grouped by: its problem slug and first reason, without the quoted value. */
export function reasonLabel(slug: string, reason: FieldError | undefined): string {
  if (!reason) return slug;
  const message = reason.message.replace(/ but received .*$/s, '');
  return shortened(`${slug} ${reason.path ? `${reason.path}: ` : ''}${message}`, REASON_CHARS);
}
