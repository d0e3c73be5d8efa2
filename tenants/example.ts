/** The example tenant: the default for `npm start` and the tests. */
import * as v from 'valibot';
import { defineTenant } from '#shared/config/tenant-config';

/** One order line. */
const OrderItem = v.strictObject({
  sku: v.pipe(v.string(), v.nonEmpty()),
  qty: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

/** An order as the `orders` stream takes it. */
export const Order = v.object({
  order_id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  customer_id: v.string(),
  amount: v.pipe(v.number(), v.finite(), v.gtValue(0)),
  currency: v.pipe(v.string(), v.regex(/^[A-Z]{3}$/, 'Invalid currency: expected three capital letters')),
  placed_at: v.pipe(v.string(), v.isoTimestamp()),
  items: v.optional(v.array(OrderItem)),
});

/** An order record, inferred from its schema. */
export type Order = v.InferOutput<typeof Order>;

export default defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' }, // or { issuer: 'https://…', audience: ['…'] }
  throttle: { rate: 500, burst: 1000 }, // requests/s of each stream route (a default, not a total)
  // reservedConcurrency: 100,         // opt-in; off by default: 500s under bursts (docs/capacity.md)
  streams: {
    // at most 12
    orders: { payload: 'json', schema: Order, deadLetter: true },
    events: { payload: 'json', batch: true },
    profiles: { payload: 'xml' },
    // A GitHub repository's webhook (docs/webhooks.md): signed with the secret `github-webhook`,
    // no JWT. Push events with many commits are large, so the stream takes the most a record may be.
    github: {
      payload: 'json',
      maxBytes: 1_024_000,
      auth: { type: 'hmac', preset: 'github', secret: 'github-webhook' },
    },
  },
  sources: {
    // Local mode's sample API, served on the dev server's own port whatever it is: local mode
    // routes this local-only origin there. On AWS nothing answers it (docs/pull.md).
    sample: {
      stream: 'events',
      schedule: 'rate(1 minute)',
      request: { url: 'http://sample-api.sluice.localhost/v1/events', query: { limit: '10' } },
      records: '/data',
      paginate: { type: 'cursor', path: '/next', param: 'after' },
      id: '/id',
      incremental: { cursor: '/updated_at', param: 'since', initial: '2025-01-01T00:00:00Z' },
    },
  },
});
