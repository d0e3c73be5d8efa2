/**
 * The request and response headers the OpenAPI document describes on the stream routes; their
 * names, codings and limits are read from contract.ts.
 */
import {
  CONTENT_CODINGS,
  CONTRACT_STATUS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENT_REPLAYED_HEADER,
  TENANT_HEADER,
  TENANT_HEADER_ALIAS,
} from '../contract/contract.ts';

/** A header parameter of an operation (OpenAPI 3.1 Parameter Object). */
export interface HeaderParameter {
  readonly name: string;
  readonly in: 'header';
  readonly required: false;
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** A header's name as the document shows it: `idempotency-key` → `Idempotency-Key`. */
function displayHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`);
}

/** The response header that marks a replayed answer. */
export const IDEMPOTENT_REPLAYED_HEADER_NAME = displayHeaderName(IDEMPOTENT_REPLAYED_HEADER);

/** `Content-Encoding`: the body may be compressed; the stream's limit applies to the decompressed bytes. */
export function contentEncodingParameter(maxBytes: number): HeaderParameter {
  return {
    name: 'Content-Encoding',
    in: 'header',
    required: false,
    description:
      `The body's compression. The stream's limit (${maxBytes} bytes) applies to the decompressed body; ` +
      `a body that inflates past it is refused with ${CONTRACT_STATUS.payloadTooLarge.status}, a corrupt ` +
      `or truncated one with ${CONTRACT_STATUS.badRequest.status}, any other coding with ` +
      `${CONTRACT_STATUS.unsupportedMediaType.status}.`,
    schema: { type: 'string', enum: [...CONTENT_CODINGS, 'identity'], default: 'identity' },
  };
}

/** `Idempotency-Key`: a retried post with the same key is answered once. */
export function idempotencyKeyParameter(): HeaderParameter {
  return {
    name: displayHeaderName(IDEMPOTENCY_KEY_HEADER),
    in: 'header',
    required: false,
    description:
      '1 to 255 printable ASCII characters naming this post (any other key is refused with ' +
      `${CONTRACT_STATUS.badRequest.status}). A repeat with the same key and body within the stream's window ` +
      `gets the first answer again, with \`${IDEMPOTENT_REPLAYED_HEADER_NAME}: true\`; ` +
      `${CONTRACT_STATUS.conflict.status} while the first is still in flight, ` +
      `${CONTRACT_STATUS.unprocessableContent.status} for the same key with another body.`,
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
  };
}

/** The tenant headers: optional, and when present they must name this API's tenant. */
export function tenantHeaderParameters(tenant: string): HeaderParameter[] {
  const schema = { type: 'string', const: tenant };
  return [
    {
      name: TENANT_HEADER,
      in: 'header',
      required: false,
      description: `This API's tenant; any other value is refused with ${CONTRACT_STATUS.forbidden.status}.`,
      schema,
    },
    {
      name: TENANT_HEADER_ALIAS,
      in: 'header',
      required: false,
      description: `Alias of ${TENANT_HEADER}, for clients moving from Amperity.`,
      schema,
    },
  ];
}
