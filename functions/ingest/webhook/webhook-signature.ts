/**
 * Verifies a webhook signature: the HMAC of the exact body bytes (after the signed timestamp,
 * where the scheme has one) under each current secret, compared in constant time with what the
 * header holds. Every refusal is a WebhookSignatureError (401) that names the header expected
 * and never echoes the value sent, the expected value or where they differ.
 */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacScheme } from '#shared/config/webhook-schemes';
import { WebhookSignatureError } from '#shared/contract/errors';

/** What one verification needs. */
export interface SignedRequest {
  /** Header values by lower-case name, as API Gateway's payload format 2.0 has them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as the sender signed it. */
  readonly body: Uint8Array;
  readonly now: Date;
}

// Unix seconds: what Stripe and Slack send; digits only, so no sign, exponent or fraction.
const UNIX_SECONDS = /^\d{1,12}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function expectedForm(scheme: HmacScheme): string {
  const digest = `${scheme.encoding} HMAC-${scheme.algorithm.toUpperCase()}`;
  if (scheme.timestamp?.in === 'stripe-signature') return `t=<unix seconds>,v1=<${digest} of "<t>.<body>">`;
  const covers = scheme.signs === 'body' ? 'the body' : `"${scheme.signs.replace('timestamp', '<timestamp>')}"`;
  return `${scheme.prefix}<${digest} of ${covers}>`;
}

function refuse(scheme: HmacScheme, problem: string): WebhookSignatureError {
  return new WebhookSignatureError(
    `${problem} This stream takes webhooks signed in the ${scheme.header} header as ${expectedForm(scheme)}.`,
  );
}

/** The signed timestamp and the signatures the header offers (Stripe may send several `v1`). */
function presented(scheme: HmacScheme, request: SignedRequest): { timestamp?: string; signatures: string[] } {
  const value = request.headers[scheme.header.toLowerCase()];
  if (value === undefined || value.trim() === '') {
    throw refuse(scheme, `The request has no ${scheme.header} header.`);
  }
  if (scheme.timestamp?.in === 'stripe-signature') {
    const pairs = value.split(',').map((pair) => pair.trim().split('='));
    const timestamp = pairs.find(([key]) => key === 't')?.[1];
    const signatures = pairs.flatMap(([key, signature]) => (key === 'v1' && signature ? [signature] : []));
    if (timestamp === undefined) throw refuse(scheme, `The ${scheme.header} header has no t= timestamp.`);
    if (signatures.length === 0) throw refuse(scheme, `The ${scheme.header} header has no v1= signature.`);
    return { timestamp, signatures };
  }
  const signatures = [value.trim()];
  if (scheme.timestamp?.in !== 'header') return { signatures };
  const timestamp = request.headers[scheme.timestamp.header.toLowerCase()];
  if (timestamp === undefined) throw refuse(scheme, `The request has no ${scheme.timestamp.header} header.`);
  return { timestamp: timestamp.trim(), signatures };
}

/** The signature bytes a header value stands for, or undefined when it is not in the scheme's form. */
function decoded(scheme: HmacScheme, value: string): Buffer | undefined {
  if (!value.startsWith(scheme.prefix)) return undefined;
  const encoded = value.slice(scheme.prefix.length);
  if (!(scheme.encoding === 'hex' ? HEX : BASE64).test(encoded)) return undefined;
  return Buffer.from(encoded, scheme.encoding);
}

function signedBytes(scheme: HmacScheme, timestamp: string | undefined, body: Uint8Array): Uint8Array[] {
  if (scheme.signs === 'body') return [body];
  const lead = scheme.signs === 'v0:timestamp:body' ? `v0:${timestamp}:` : `${timestamp}.`;
  return [Buffer.from(lead, 'utf8'), body];
}

function hmac(scheme: HmacScheme, secret: string, parts: readonly Uint8Array[]): Buffer {
  const mac = createHmac(scheme.algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Throws WebhookSignatureError (401) unless one of the header's signatures is the HMAC of the
 * request under one of `secrets` and, for a timestamped scheme, the timestamp is within the
 * tolerance. The timestamp is judged after the signature, so a "stale" answer is only ever
 * given to a request that was genuinely signed (a replay), and says so.
 */
export function verifyWebhookSignature(scheme: HmacScheme, secrets: readonly string[], request: SignedRequest): void {
  const { timestamp, signatures } = presented(scheme, request);
  if (timestamp !== undefined && !UNIX_SECONDS.test(timestamp)) {
    const where = scheme.timestamp?.in === 'header' ? `The ${scheme.timestamp.header} header` : 'The t= timestamp';
    throw refuse(scheme, `${where} is not a Unix time in seconds.`);
  }
  const parts = signedBytes(scheme, timestamp, request.body);
  const expected = secrets.map((secret) => hmac(scheme, secret, parts));
  const offered = signatures.map((signature) => decoded(scheme, signature));
  // Every pair is compared, matched or not: only lengths (public: the digest size) decide the work.
  let matched = false;
  for (const signature of offered) {
    for (const digest of expected) {
      if (signature !== undefined && signature.length === digest.length && timingSafeEqual(signature, digest)) {
        matched = true;
      }
    }
  }
  if (!matched) {
    const form = offered.every((signature) => signature === undefined)
      ? 'is not in the expected form'
      : 'does not match';
    throw refuse(scheme, `The ${scheme.header} signature ${form}.`);
  }
  if (timestamp === undefined || scheme.timestamp === undefined) return;
  const offBy = Math.abs(Math.floor(request.now.getTime() / 1000) - Number(timestamp));
  if (offBy > scheme.timestamp.toleranceSeconds) {
    throw new WebhookSignatureError(
      `The signed timestamp is ${offBy} s away from the receiver's clock; this stream takes at most ` +
        `${scheme.timestamp.toleranceSeconds} s (replay protection). Send the event again with a fresh signature.`,
    );
  }
}
