/**
 * A stream's webhook auth: HMAC-signed posts instead of a bearer JWT, for senders that sign
 * each body with a shared secret (GitHub, Stripe, Shopify, Slack, or a custom scheme). The
 * valibot schema is the one definition; shared/config/webhook-schemes.ts says what each preset signs.
 */
import * as v from 'valibot';
import { SECRET_NAME_PATTERN } from './source-config.ts';
import { strictEntries } from './strict-entries.ts';

/** The senders whose signature scheme Sluice knows by name. */
export const WEBHOOK_PRESETS = ['github', 'stripe', 'shopify', 'slack'] as const;

/** The timestamped presets: their signatures cover a timestamp, which must be recent. */
export const TIMESTAMPED_PRESETS: readonly WebhookPreset[] = ['stripe', 'slack'];

/**
 * How far a signed timestamp may be from the function's clock when the config is silent: five
 * minutes, what Stripe's and Slack's own libraries allow.
 */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The most a timestamp may be off: a day; longer would make replay protection meaningless. */
export const MAX_TOLERANCE_SECONDS = 86_400;

/** A sender whose scheme Sluice knows. */
export type WebhookPreset = (typeof WEBHOOK_PRESETS)[number];

// RFC 9110 token characters: what a header name may hold.
const HeaderName = (what: string) =>
  v.pipe(
    v.string(`${what} must be a header name`),
    v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, `${what} must be an HTTP header name, such as X-Signature`),
  );

const CUSTOM_KEYS = ['header', 'algorithm', 'encoding', 'prefix', 'timestampHeader'] as const;

/** The valibot schema of a stream's `auth`: a preset, or a custom scheme. */
export const WebhookAuthSchema = v.pipe(
  strictEntries(
    {
      type: v.literal('hmac', 'auth.type must be "hmac" (a stream without auth takes bearer JWTs)'),
      /**
       * The name of the secret (Secrets Manager on AWS, `sluice secret set` locally). Its value
       * is the shared secret; during a rotation, the new and the old one on two lines.
       */
      secret: v.pipe(
        v.string('secret must be the name of a secret'),
        v.regex(SECRET_NAME_PATTERN, 'secret must be a secret name (letters, digits and /_+=.@-), not a value'),
      ),
      preset: v.optional(v.picklist(WEBHOOK_PRESETS, `preset must be ${WEBHOOK_PRESETS.join(', ')}`)),
      /** Custom scheme: the header that carries the signature. */
      header: v.optional(HeaderName('header')),
      algorithm: v.optional(v.picklist(['sha256', 'sha1'], 'algorithm must be "sha256" or "sha1"')),
      encoding: v.optional(v.picklist(['hex', 'base64'], 'encoding must be "hex" or "base64"')),
      /** Text before the encoded signature in the header, such as `sha256=`. */
      prefix: v.optional(
        v.pipe(
          v.string('prefix must be a string'),
          v.regex(/^[\x21-\x7e]{1,32}$/, 'prefix must be 1 to 32 printable ASCII characters without spaces'),
        ),
      ),
      /** Custom scheme: a header with the Unix time in seconds; the signature then covers `<timestamp>.<body>`. */
      timestampHeader: v.optional(HeaderName('timestampHeader')),
      /** Timestamped schemes: how many seconds a timestamp may be off (default {@link DEFAULT_TOLERANCE_SECONDS}). */
      toleranceSeconds: v.optional(
        v.pipe(
          v.number('toleranceSeconds must be a number'),
          v.integer('toleranceSeconds must be a whole number'),
          v.minValue(1, 'toleranceSeconds must be at least 1'),
          v.maxValue(MAX_TOLERANCE_SECONDS, `toleranceSeconds must be at most ${MAX_TOLERANCE_SECONDS} (a day)`),
        ),
      ),
    },
    'auth',
  ),
  v.check(
    (auth) => auth.preset !== undefined || auth.header !== undefined,
    `auth needs a preset (${WEBHOOK_PRESETS.join(', ')}) or a custom scheme (header, algorithm, encoding)`,
  ),
  v.check(
    (auth) => auth.preset === undefined || CUSTOM_KEYS.every((key) => auth[key] === undefined),
    (issue) =>
      `auth.preset ${(issue.input as { preset?: string }).preset} fixes the scheme; drop ${CUSTOM_KEYS.filter(
        (key) => (issue.input as Record<string, unknown>)[key] !== undefined,
      ).join(', ')}`,
  ),
  v.forward(
    v.check(
      (auth) => auth.preset !== undefined || auth.header === undefined || auth.algorithm !== undefined,
      'a custom scheme needs algorithm ("sha256" or "sha1")',
    ),
    ['algorithm'],
  ),
  v.forward(
    v.check(
      (auth) => auth.preset !== undefined || auth.header === undefined || auth.encoding !== undefined,
      'a custom scheme needs encoding ("hex" or "base64")',
    ),
    ['encoding'],
  ),
  v.forward(
    v.check(
      (auth) =>
        auth.toleranceSeconds === undefined ||
        auth.timestampHeader !== undefined ||
        (auth.preset !== undefined && TIMESTAMPED_PRESETS.includes(auth.preset)),
      `toleranceSeconds is only for timestamped schemes (${TIMESTAMPED_PRESETS.join(', ')}, or a custom scheme with timestampHeader)`,
    ),
    ['toleranceSeconds'],
  ),
  v.readonly(),
);

/** A stream's webhook auth as written in the config. */
export type WebhookAuthInput = v.InferInput<typeof WebhookAuthSchema>;
/** A stream's webhook auth, validated. */
export type WebhookAuth = v.InferOutput<typeof WebhookAuthSchema>;

/** Whether a stream takes HMAC-signed webhook posts (and no JWT). */
export function isWebhookStream<TStream extends { readonly auth?: WebhookAuth | undefined }>(
  stream: TStream,
): stream is TStream & { readonly auth: WebhookAuth } {
  return stream.auth?.type === 'hmac';
}

/** The secret names the tenant's webhook streams read (the ingest function may read only these), sorted. */
export function webhookSecretNames(streams: Readonly<Record<string, { readonly auth?: WebhookAuth | undefined }>>) {
  const names = Object.values(streams).flatMap((stream) => (isWebhookStream(stream) ? [stream.auth.secret] : []));
  return [...new Set(names)].sort();
}
