/** Strict UTF-8 decoding of a body: invalid bytes are a 400, never replaced by U+FFFD. */
import { MalformedBodyError } from '#shared/contract/errors';

// fatal: invalid sequences throw instead of turning into U+FFFD, which would alter the record.
// A leading byte order mark is dropped (it is not part of the JSON or XML text).
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8; throws MalformedBodyError (400) for invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MalformedBodyError('The body is not valid UTF-8.');
  }
}
