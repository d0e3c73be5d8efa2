/**
 * The local self issuer: the key set under `.sluice/keys/` (the shared/tokens/signing-keys.ts
 * format, as in the AWS secret), made on first use, and the tokens it signs.
 */
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  currentSigningKey,
  newSigningKeySet,
  parseSigningKeySet,
  type SigningKeySet,
} from '#shared/tokens/signing-keys';
import { signTenantToken } from '#shared/tokens/token-claims';

/** Reads the key set at `file`, or makes and stores a new one when there is none. */
export async function loadOrCreateKeySet(file: string): Promise<SigningKeySet> {
  try {
    return parseSigningKeySet(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const set = await newSigningKeySet();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Write aside then link, so that two processes starting at once never read half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(set, null, 2)}\n`, { mode: 0o600 });
  try {
    // link() fails if the file exists: the first process to finish wins, atomically.
    await link(temporary, file);
    return set;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseSigningKeySet(await readFile(file, 'utf8'));
  } finally {
    await unlink(temporary);
  }
}

/** What a local token is for. */
export interface LocalTokenRequest {
  readonly issuer: string;
  readonly tenant: string;
  readonly days: number;
  readonly streams?: readonly string[];
  readonly now?: Date;
}

/** Signs a token with the current key of the set, with the same claims as the AWS issuer. */
export function signLocalToken(set: SigningKeySet, request: LocalTokenRequest): Promise<string> {
  return signTenantToken(currentSigningKey(set), {
    issuer: request.issuer,
    tenant: request.tenant,
    days: request.days,
    ...(request.streams ? { streams: request.streams } : {}),
    ...(request.now ? { now: request.now } : {}),
  });
}
