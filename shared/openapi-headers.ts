/**
 * The request and response headers the OpenAPI document describes on the stream routes, and
 * the answers of the Idempotency-Key. Content-Encoding (issue 13) and Idempotency-Key (issue
 * 14) are built in parallel with this document; their names and limits are written here until
 * those changes name them in contract.ts, and then should be read from there.
 */
import { CONTRACT_STATUS, TENANT_HEADER, TENANT_HEADER_ALIAS } from './contract.ts';

/** A header parameter of an operation (OpenAPI 3.1 Parameter Object). */
export interface HeaderParameter {
  readonly name: string;
  readonly in: 'header';
  readonly required: false;
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** The content codings a stream route takes (issue 13). */
export const CONTENT_CODINGS = ['gzip', 'deflate', 'identity'] as const;

/** The Idempotency-Key header and its limits (issue 14). */
export const IDEMPOTENCY_KEY = { header: 'Idempotency-Key', minLength: 1, maxLength: 255 } as const;
/** The response header that marks a replayed answer. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** The answers of the Idempotency-Key, until contract.ts has rows for them. */
export const IDEMPOTENCY_STATUSES = {
  inFlight: {
    status: 409,
    when: 'a request with the same `Idempotency-Key` is still in flight',
    retry: true,
    source: 'function',
  },
  keyReused: {
    status: 422,
    when: 'the `Idempotency-Key` was used before with another body',
    retry: false,
    source: 'function',
  },
} as const;

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
    schema: { type: 'string', enum: [...CONTENT_CODINGS], default: 'identity' },
  };
}

/** `Idempotency-Key`: a retried post with the same key is answered once. */
export function idempotencyKeyParameter(): HeaderParameter {
  return {
    name: IDEMPOTENCY_KEY.header,
    in: 'header',
    required: false,
    description:
      `${IDEMPOTENCY_KEY.minLength} to ${IDEMPOTENCY_KEY.maxLength} printable ASCII characters naming this post. ` +
      `A repeat with the same key and body gets the first answer again, with \`${IDEMPOTENT_REPLAYED_HEADER}: true\`; ` +
      `${IDEMPOTENCY_STATUSES.inFlight.status} while the first is still in flight, ` +
      `${IDEMPOTENCY_STATUSES.keyReused.status} for the same key with another body.`,
    schema: {
      type: 'string',
      minLength: IDEMPOTENCY_KEY.minLength,
      maxLength: IDEMPOTENCY_KEY.maxLength,
      pattern: '^[\\x20-\\x7E]+$',
    },
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
