/**
 * The self issuer's key set, as stored in Secrets Manager (AWS) or under `.sluice/keys/`
 * (local mode). A new key is published in the JWKS for a lead time before it signs, because
 * the HTTP API JWT authorizer caches an issuer's keys for up to an hour; an older key stays,
 * public part in the JWKS, until every token it may have signed has expired (`retiredAt`
 * + the maximum token lifetime).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import * as v from 'valibot';
import { type SigningKey, TOKEN_ALGORITHM } from './token-claims.ts';

/** JWK members that hold private key material (RFC 7518 §6.3.2 and §6.4.1): never published. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const JwkSchema = v.looseObject({ kty: v.literal('RSA'), n: v.string(), e: v.string() });

const StoredKeySchema = v.object({
  kid: v.string(),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  /** When the key starts signing; before that it is only published. Absent: from `createdAt`. */
  activeFrom: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  /** When the key stops signing. */
  retiredAt: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  privateJwk: v.pipe(
    JwkSchema,
    v.check((jwk) => typeof jwk.d === 'string', 'privateJwk must hold the private key'),
  ),
});

/** The stored key set: a JSON document in the secret. */
export const SigningKeySetSchema = v.object({ version: v.literal(1), keys: v.array(StoredKeySchema) });

/** One stored key. */
export type StoredSigningKey = v.InferOutput<typeof StoredKeySchema>;
/** The stored key set. */
export type SigningKeySet = v.InferOutput<typeof SigningKeySetSchema>;

/** Parses a stored key set; throws with the reason when it is not one. */
export function parseSigningKeySet(text: string): SigningKeySet {
  const result = v.safeParse(SigningKeySetSchema, JSON.parse(text));
  if (!result.success) {
    throw new Error(`not a Sluice signing key set: ${result.issues.map((issue) => issue.message).join('; ')}`);
  }
  return result.output;
}

/** Makes a new 2048-bit RSA key; its `kid` is the RFC 7638 thumbprint. */
export async function generateSigningKey(now = new Date()): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { modulusLength: 2048, extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  return {
    kid,
    createdAt: now.toISOString(),
    privateJwk: { ...privateJwk, kty: 'RSA', n: privateJwk.n ?? '', e: privateJwk.e ?? '' },
  };
}

/** A key set with one fresh key. */
export async function newSigningKeySet(now = new Date()): Promise<SigningKeySet> {
  return { version: 1, keys: [await generateSigningKey(now)] };
}

/**
 * How long a new key is published before it signs: longer than the HTTP API JWT authorizer's
 * key cache (up to 1 hour) plus the discovery function's own cache (5 minutes).
 */
export const KEY_PUBLICATION_LEAD_MS = 2 * 3_600_000;

function signsAt(key: StoredSigningKey, at: number): boolean {
  const from = Date.parse(key.activeFrom ?? key.createdAt);
  return from <= at && (key.retiredAt === undefined || Date.parse(key.retiredAt) > at);
}

/** The key that signs new tokens at `now`: the newest one that is active and not retired. */
export function currentSigningKey(set: SigningKeySet, now = new Date()): SigningKey {
  const active = set.keys.filter((key) => signsAt(key, now.getTime())).at(-1);
  if (!active) throw new Error('the signing key set has no active key');
  return { kid: active.kid, privateJwk: active.privateJwk };
}

/** The newest key of the set, whether or not it signs yet (rotation tests it before publishing). */
export function newestSigningKey(set: SigningKeySet): SigningKey {
  const newest = set.keys.at(-1);
  if (!newest) throw new Error('the signing key set is empty');
  return { kid: newest.kid, privateJwk: newest.privateJwk };
}

/** Whether some key of the set signs now or will once its publication lead has passed. */
export function hasSigningKey(set: SigningKeySet): boolean {
  return set.keys.some((key) => key.retiredAt === undefined);
}

/**
 * Rotation: adds a new key that signs from `now` + `leadMs` (published in the JWKS at once),
 * retires the signing keys as of that moment, and drops keys retired longer ago than
 * `maxTokenDays` (no token they signed can still be valid).
 */
export async function rotateSigningKeys(
  set: SigningKeySet,
  maxTokenDays: number,
  now = new Date(),
  leadMs = KEY_PUBLICATION_LEAD_MS,
): Promise<SigningKeySet> {
  const handover = new Date(now.getTime() + leadMs).toISOString();
  const kept = pruneExpiredKeys(set, maxTokenDays, now).keys.map((key) =>
    key.retiredAt === undefined ? { ...key, retiredAt: handover } : key,
  );
  return { version: 1, keys: [...kept, { ...(await generateSigningKey(now)), activeFrom: handover }] };
}

/** Drops keys retired more than `maxTokenDays` before `now`. */
export function pruneExpiredKeys(set: SigningKeySet, maxTokenDays: number, now = new Date()): SigningKeySet {
  const horizon = now.getTime() - maxTokenDays * 86_400_000;
  return {
    version: 1,
    keys: set.keys.filter((key) => key.retiredAt === undefined || Date.parse(key.retiredAt) > horizon),
  };
}

/** The public half of a JWK: every private member removed. */
export function publicJwk(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete copy[member];
  return copy as JWK;
}

/** The JWKS document: public keys only, each with `kid`, `alg` and `use`. */
export function publicJwks(set: SigningKeySet): { keys: JWK[] } {
  return {
    keys: set.keys.map((key) => ({ ...publicJwk(key.privateJwk), kid: key.kid, alg: TOKEN_ALGORITHM, use: 'sig' })),
  };
}

/** The OIDC discovery document of an issuer whose JWKS is at `jwksUri`. */
export function openIdConfiguration(issuer: string, jwksUri: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri,
    id_token_signing_alg_values_supported: [TOKEN_ALGORITHM],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
  };
}
