/**
 * What each webhook scheme signs and where the signature travels: the presets as their senders
 * document them, and a custom scheme as the config spells it out. The ingest function verifies
 * against this; the docs and the OpenAPI document can name the headers from it.
 */
import { DEFAULT_TOLERANCE_SECONDS, type WebhookAuth, type WebhookPreset } from './webhook-config.ts';

/** The bytes an HMAC covers: the body alone, or the body after a timestamp. */
export type SignedContent =
  /** The raw body (GitHub, Shopify, a custom scheme without a timestamp). */
  | 'body'
  /** `<timestamp>.<body>` (Stripe, a custom scheme with a timestamp header). */
  | 'timestamp.body'
  /** `v0:<timestamp>:<body>` (Slack). */
  | 'v0:timestamp:body';

/** One resolved signature scheme. */
export interface HmacScheme {
  /** The header with the signature, as senders spell it (lookups are case-insensitive). */
  readonly header: string;
  readonly algorithm: 'sha256' | 'sha1';
  readonly encoding: 'hex' | 'base64';
  /** Text before the encoded signature; '' for none. */
  readonly prefix: string;
  readonly signs: SignedContent;
  /**
   * Where the signed timestamp comes from: a header of its own, or Stripe's `t=` inside the
   * signature header (whose `v1=` entries are then the signatures). Absent: no timestamp.
   */
  readonly timestamp?:
    | { readonly in: 'header'; readonly header: string; readonly toleranceSeconds: number }
    | { readonly in: 'stripe-signature'; readonly toleranceSeconds: number };
}

/** The presets, as each sender documents its signatures. */
const PRESETS: Readonly<Record<WebhookPreset, (toleranceSeconds: number) => HmacScheme>> = {
  // docs.github.com: "Validating webhook deliveries".
  github: () => ({
    header: 'X-Hub-Signature-256',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
    signs: 'body',
  }),
  // docs.stripe.com: "Verify webhook signatures manually": t=<unix>,v1=<hex>[,v1=…].
  stripe: (toleranceSeconds) => ({
    header: 'Stripe-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: '',
    signs: 'timestamp.body',
    timestamp: { in: 'stripe-signature', toleranceSeconds },
  }),
  // shopify.dev: "Verify webhooks": base64 of the HMAC-SHA256 of the raw body.
  shopify: () => ({
    header: 'X-Shopify-Hmac-Sha256',
    algorithm: 'sha256',
    encoding: 'base64',
    prefix: '',
    signs: 'body',
  }),
  // api.slack.com: "Verifying requests from Slack".
  slack: (toleranceSeconds) => ({
    header: 'X-Slack-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'v0=',
    signs: 'v0:timestamp:body',
    timestamp: { in: 'header', header: 'X-Slack-Request-Timestamp', toleranceSeconds },
  }),
};

/** The scheme a stream's webhook auth stands for. */
export function hmacScheme(auth: WebhookAuth): HmacScheme {
  const toleranceSeconds = auth.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (auth.preset !== undefined) return PRESETS[auth.preset](toleranceSeconds);
  // The schema makes header, algorithm and encoding present when there is no preset.
  const { header = '', algorithm = 'sha256', encoding = 'hex', prefix = '', timestampHeader } = auth;
  return {
    header,
    algorithm,
    encoding,
    prefix,
    signs: timestampHeader === undefined ? 'body' : 'timestamp.body',
    ...(timestampHeader === undefined
      ? {}
      : { timestamp: { in: 'header', header: timestampHeader, toleranceSeconds } }),
  };
}
