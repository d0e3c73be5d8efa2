/**
 * The contract's check of an Idempotency-Key header, apart from the idempotency layer: the dry
 * run uses it too, and must not load Powertools' idempotency and its DynamoDB client at cold
 * start (they load on the first keyed post, lazy-idempotent-answers.ts).
 */
import { IDEMPOTENCY_KEY_PATTERN } from '#shared/contract/contract';
import { InvalidIdempotencyKeyError } from '#shared/contract/errors';

/** Throws InvalidIdempotencyKeyError (400) for a key the contract refuses; the real route and its dry run share it. */
export function assertValidIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new InvalidIdempotencyKeyError(
      `The Idempotency-Key header must be 1 to 255 printable ASCII characters (space to ~); this one has ${key.length}${key.length > 0 && key.length <= 255 ? ', not all printable' : ''}.`,
    );
  }
}
