/** Environment variable names shared by the stack (which sets them) and the functions (which read them). */
export const ENV = {
  /** JSON object: stream id → {@link StreamDeliveryBinding}. Set by the house function's bind calls. */
  deliveryTargets: 'SLUICE_DELIVERY_TARGETS',
  /** Tenant name; the tenant config itself is bundled into the function. */
  tenant: 'SLUICE_TENANT',
  /** Name of the Secrets Manager secret that holds the self issuer's signing keys. */
  signingKeySecret: 'SLUICE_SIGNING_KEY_SECRET',
  /** Name of the SSM String parameter that holds the self issuer's public JWKS (public keys only). */
  jwksParameter: 'SLUICE_JWKS_PARAMETER',
  /** The self issuer's URL (the API's own URL), used as `iss`. */
  issuerUrl: 'SLUICE_ISSUER_URL',
  /** The self issuer's longest token lifetime in days; rotation keeps retired public keys this long. */
  maxTokenDays: 'SLUICE_MAX_TOKEN_DAYS',
  /** Name of the DynamoDB table that keeps the pull sources' state (cursor, run progress, lease). */
  pullStateTable: 'SLUICE_PULL_STATE_TABLE',
  /** Name of the DynamoDB table that holds the ingest function's Idempotency-Key records. */
  idempotencyTable: 'SLUICE_IDEMPOTENCY_TABLE',
  /** Data folder of local mode (default `.sluice` in the tenant file's project; local/sluice-home.ts). */
  home: 'SLUICE_HOME',
} as const;

// The binding types are inferred from the schema that parses ENV.deliveryTargets.
export type { DeliveryTarget, StreamDeliveryBinding } from '../ports/delivery-bindings.ts';
